# The printed poster (`citybot poster`), Kyrgyz. Plain text: no HTML, the poster is a picture.
# Terms from ../shared/domain/glossary-ru-ky.md; lines marked "review" are our own wording and
# await a native speaker. Names stand alone, so no case ending is glued onto a name or number.

# glossary (proposal)
poster-headline = Шаардын эң маанилүү беш көйгөйүн атаңыз
# review ("жумушчу топ", "шаарды өнүктүрүү программасы": attested, see ky-review.md)
poster-purpose = Жумушчу топ (мэрия, депутаттар, ӨЭУ) жалпы рейтингди шаарды өнүктүрүү программасында жана бюджетте эске алат.
poster-scan = Телефонуңуздун камерасын QR-кодго багыттаңыз
# review (one colon: "type @name into Telegram's search")
poster-telegram-manual = Камерасыз: Telegram издөөсүнө { $username } деп жазыңыз
# review (one colon; "номерине" is a word of its own after the number)
poster-whatsapp-manual = Камерасыз: WhatsApp аркылуу { $number } номерине жазыңыз
# review
poster-footer = Атыңыз жана номериңиз эч кимге көрсөтүлбөйт, сурамжылоо эки-үч мүнөткө созулат. Кыргызча же орусча жооп берсеңиз болот.
