## Vote-farming signals in the working group's daily summary (flows/signals.py). The ranking
## above the note counts everyone; the note says how many answers look farmed and what the top
## would be without them.

signal-title = <b>Признаки накрутки.</b> <i>Рейтинг выше учитывает все ответы; ниже — первые места без отмеченных ответов.</i>
signal-note = ⚠️ { $signal }: { $count } из { $respondents } ({ $percent }%). Без них: { $top }
signal-same-words = новые участники, которые почти одновременно назвали одну проблему одними и теми же словами
signal-foreign-whatsapp = номера WhatsApp не из Кыргызстана (не +996)
signal-new-telegram = новые аккаунты Telegram, пришедшие разом
signal-top-empty = других ответов нет

## The per-resident flood limit (bot/flood.py): the one answer to too many messages at once.

flood-slow-down = Слишком много сообщений подряд — я не успеваю их разобрать. Подождите несколько секунд и продолжайте: ваши ответы на месте, а последние сообщения я пропустил.
