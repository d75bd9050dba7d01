"""Who may do what with a city's data, decided in one place for every path (pure)."""

from __future__ import annotations

from enum import StrEnum

from flows.world import World


class Right(StrEnum):
    ANNOUNCE = "announce"  # public-hearing announcements (chat and the CLI's operator)
    BIND = "bind"  # make a group chat the city's working group, or stop it being one
    LANGUAGE = "language"  # the language of a working-group chat's messages
    SUMMARY = "summary"  # the aggregated ranking on demand
    REVIEW = "review"  # read residents' own words and place them into categories
    EXPORT = "export"  # every answer of the city, own words included
    ROUNDS = "rounds"  # open and close survey rounds (admins; seeing one is SUMMARY's)


# Reviewers are working-group members trusted with residents' words; admins may all.
_REVIEWER = frozenset({Right.LANGUAGE, Right.SUMMARY, Right.REVIEW, Right.EXPORT})


def may(world: World, city: str, sender: str, right: Right, member: bool = False) -> bool:
    """Whether `sender` ("tg:<user id>" / "wa:<number>") may use `right` in `city`.
    `member`: the sender wrote in a chat bound to the city's working group, where the city
    may let every member have some rights (roles.members_may)."""
    place = world.cities.get(city)
    if place is None:
        return False
    if city in world.admin_cities(sender):
        return True
    channel, _, ident = sender.partition(":")
    reviewer = channel == "tg" and ident.isdigit() and int(ident) in place.roles.reviewers
    if reviewer and right in _REVIEWER:
        return True
    return member and right.value in place.roles.members_may
