## Vote-farming signals in the working group's daily summary (flows/signals.py). The ranking
## above the note counts everyone; the note says how many answers look farmed and what the top
## would be without them.

# review ("добуштарды жасалма көбөйтүү" for "накрутка")
signal-title = <b>Добуштарды жасалма көбөйтүүнүн белгилери.</b> <i>Жогорудагы рейтинг бардык жоопторду эсептейт; төмөндө — белгиленген жоопторсуз алдыңкы орундар.</i>
# review
signal-note = ⚠️ { $signal }: жооп берген { $respondents } тургундан { $count } ({ $percent }%). Аларсыз: { $top }
# review
signal-same-words = бир эле көйгөйдү бир эле сөздөр менен дээрлик бир убакта жазган жаңы катышуучулар
# review
signal-foreign-whatsapp = Кыргызстандыкы эмес WhatsApp номерлери (+996 эмес)
# review
signal-new-telegram = бир убакта келген жаңы Telegram аккаунттары
# review
signal-top-empty = башка жооп жок

## The per-resident flood limit (bot/flood.py): the one answer to too many messages at once.

# review
flood-slow-down = Катары менен өтө көп билдирүү келди — аларды талдап үлгүрбөй жатам. Бир нече секунд күтүп, улантыңыз: жоопторуңуз сакталган, акыркы билдирүүлөрдү өткөрүп жибердим.
