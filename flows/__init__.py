"""Pure conversation logic: state + one inbound event -> new state, replies, effects."""
