# The printed poster (`citybot poster`), Kyrgyz. Plain text: no HTML, the poster is a picture.
# Terms from ../shared/domain/glossary-ru-ky.md; lines marked "review" are our own wording and
# await a native speaker. Names stand alone, so no case ending is glued onto a name or number.

# glossary (proposal)
poster-headline = Шаардын эң маанилүү беш көйгөйүн атаңыз
# review ("жумушчу топ" from the glossary)
poster-purpose = Жумушчу топ (мэрия, депутаттар, ӨЭУ) жалпы рейтингди шаарды өнүктүрүү программасында жана бюджетте эске алат.
# review
poster-scan = Телефонуңуздун камерасын QR-кодго багыттаңыз
# review
poster-telegram-manual = Камерасыз: Telegram издөөсүнө жазыңыз: { $username }
# review
poster-whatsapp-manual = Камерасыз: WhatsApp аркылуу бул номерге жазыңыз: { $number }
# review
poster-footer = Атыңыз жана номериңиз эч кимге көрсөтүлбөйт, сурамжылоо эки-үч мүнөткө созулат. Кыргызча же орусча жооп берсеңиз болот.
