# The printed poster (`citybot poster`), Russian. Plain text: no HTML, the poster is a picture.
# City and district names come from the city configuration, not from here.

poster-headline = Назовите пять самых важных проблем города
poster-purpose = Рабочая группа (мэрия, депутаты, НКО) учтёт общий рейтинг в программе развития города и в бюджете.
poster-scan = Наведите камеру телефона на QR-код
poster-telegram-manual = Без камеры: найдите в Telegram { $username }
poster-whatsapp-manual = Без камеры: напишите в WhatsApp на номер { $number }
poster-footer = Ваше имя и номер никому не показываются, опрос займёт пару минут. Можно отвечать по-русски или по-кыргызски.
