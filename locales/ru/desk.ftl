# The working group's desk (web pages, bot/desk): sign-in, the city's ranking, review, exports.
desk-title = Рабочий стол рабочей группы
desk-lang-switch = Кыргызча
desk-logout = Выйти
desk-back = К списку городов
desk-login-heading = Вход для рабочей группы
desk-login-intro = Войдите через Telegram. Вход открыт администраторам города и членам его рабочей группы; каждый видит только свои города.
desk-login-no-bot = Вход через Telegram пока недоступен: бот ещё не подключился к Telegram. Обновите страницу через минуту.
desk-login-privacy = Мы сохраняем только ваш номер пользователя Telegram — на время входа.
desk-forbidden = Вход закрыт: вы не администратор города и не член его рабочей группы. Если это ошибка, попросите администратора добавить вас в файл города.
desk-forbidden-city = Этот город вам недоступен: у вас нет в нём роли.
desk-forbidden-part = Этот раздел открыт только администраторам и проверяющим города.
desk-login-invalid = Ссылка входа не прошла проверку или устарела (она действует сутки). Войдите через Telegram ещё раз.
desk-too-many = Слишком много попыток входа. Подождите минуту и попробуйте снова.
desk-csrf = Форма устарела или пришла не с этой страницы. Обновите страницу и повторите.
desk-try-again = Войти ещё раз
desk-choose-city = Выберите город
desk-nav-ranking = Рейтинг
desk-nav-review = Разбор ответов
desk-nav-announcements = Объявления
desk-nav-export-xlsx = Скачать XLSX
desk-nav-export-csv = Скачать CSV
desk-generated = Данные на { $when }
desk-respondents = Ответили: { $count } { $count ->
        [one] житель
        [few] жителя
        [many] жителей
       *[other] жителя
    }
desk-empty = Ответов пока нет.
desk-unplaced = Ответов своими словами ждут разбора: { $count }
desk-ranking-heading = Рейтинг проблем по городу
desk-ranking-note = Доля — от всех ответивших; 95% интервал показывает, где с высокой вероятностью лежит доля по всему городу.
desk-col-position = Место
desk-col-problem = Проблема
desk-col-count = Назвали
desk-col-share = Доля
desk-col-interval = 95% интервал
desk-districts-heading = Рейтинг по районам
desk-small-sample = Меньше { $min } ответивших: интервалы широкие, выводы делать рано.
desk-grid-heading = Районы и проблемы
desk-grid-note = В каждой клетке: сколько жителей района назвали проблему и их доля среди ответивших в районе.
desk-trend-heading = Динамика по дням
desk-trend-note = Линии — доля ответивших, назвавших проблему, нарастающим итогом; серые столбцы — новые ответы за день.
desk-trend-empty = Динамика появится с первыми ответами.
desk-chart-title = { $city }: главные проблемы, { $date }
desk-chart-title-district = { $district }: главные проблемы, { $date }
desk-trend-title = Доли главных проблем по дням (на { $date })
desk-no-district = Район не указан
desk-channels-heading = Сколько ответили
desk-col-channel = Канал
desk-col-today = Сегодня
desk-col-week = За неделю
desk-col-all = Всего
desk-channel-tg = Telegram
desk-channel-wa = WhatsApp
desk-channel-local = Терминал
desk-sources-heading = Откуда пришли (метки ссылок)
desk-sources-empty = Пока никто не пришёл по ссылке с меткой.
desk-col-source = Метка
desk-col-residents = Жителей
desk-review-heading = Разбор ответов своими словами
desk-review-intro = Формулировки, которые не подошли ни к одной категории, с числом ответов. Разместить их по категориям можно в чате рабочей группы командой /review.
desk-review-empty = Все ответы разобраны.
desk-col-wording = Формулировка
desk-col-times = Ответов
desk-themes-heading = Темы
desk-col-theme-size = Размер
desk-announcements-heading = Объявления и их рассылка
desk-announcements-empty = Объявлений пока нет.
desk-col-title = Заголовок
desk-col-when = Отправка
desk-col-state = Состояние
desk-col-progress = Доставка
desk-state = { $state ->
        [scheduled] запланировано
        [sending] рассылается
        [done] разослано
       *[cancelled] отменено
    }
desk-kind = { $kind ->
        [reminder] напоминание
       *[announcement] объявление
    }
desk-delivery = отправлено { $sent }, ошибок { $failed }, пропущено { $skipped }, в очереди { $pending }
desk-public-title = { $city }: что жители считают главными проблемами
desk-public-intro = Жители назвали до пяти главных проблем города. Доля — от всех ответивших; 95% интервал показывает точность оценки.
desk-public-few = Рейтинг появится, когда ответят не меньше { $min } жителей.
desk-public-footer = Опрос проводит мэрия вместе с рабочей группой. Ответы жителей без имён и номеров; здесь только итоговые цифры.
desk-rounds-heading = Этапы опроса
desk-rounds-note = Страница показывает выделенный этап; нажмите на другой, чтобы сравнить.
desk-col-round = Этап
desk-col-dates = Даты
desk-col-respondents = Ответили
desk-col-leading = Главные проблемы
desk-round-before = До этапов
desk-round-state = { $state ->
        [open] идёт
        [closed] завершён
       *[before] —
    }
desk-no-round = В этом городе нет этапа опроса «{ $round }».
desk-no-round-back = К странице города (текущий этап)
desk-public-round = Этап опроса: { $round }
desk-public-before = Ответы, данные до начала этапов опроса
# /results in the bot: the link to the city's public page (flows/results.py)
results-public = Все результаты — на странице города: { $url }
