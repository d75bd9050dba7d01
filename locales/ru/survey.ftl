# Resident survey, Russian. HTML allowed: <b>, <i>. Arguments are escaped by the channel.
# A `.wa` attribute is the WhatsApp wording (no buttons there: residents type a number or words).

language-prompt = Саламатсызбы! Здравствуйте!
    Тилди тандаңыз / Выберите язык:
language-changed = Язык: русский.
intro = Здравствуйте! Это опрос мэрии: назовите <b>пять самых важных проблем города</b> — рабочая группа (мэрия, депутаты, НКО) видит общий рейтинг каждый день. Ваше имя, номер и аккаунт никому не показываются и не попадают в отчёты.
preset-place = Город: { $city }, район: { $district } (по ссылке; изменить можно в конце).
city-prompt = Выберите ваш город:
    .wa = Напишите номер или название вашего города:
city-not-served = Город «{ $city }» пока не участвует в опросе. Участвуют: { $cities }.
district-prompt = { $city }: выберите ваш район (МТУ). Можно написать улицу или известное место рядом.
    .wa = { $city }: напишите номер или название вашего района (МТУ), улицу или известное место рядом.
district-which = Такая улица есть в нескольких районах. Выберите ваш:
    .wa = Такая улица есть в нескольких районах. Напишите номер вашего:
district-location-hint = Или отправьте геопозицию (📎 → Геопозиция) — бот сам определит район.
district-located = Ваш район: <b>{ $district }</b>.
location-outside = Эта точка не входит ни в один район города. Выберите район из списка.
btn-district-unknown = Не знаю
btn-change-city = Другой город
btn-all-districts = Все районы

problems-first = Назовите до { $max } самых важных проблем города, начиная с самой важной. Проблема 1 — выберите тему или напишите своими словами:
    .wa = Назовите до { $max } самых важных проблем города, начиная с самой важной. Проблема 1 — напишите номер темы или опишите проблему своими словами:
problems-list = Ваш список ({ $count } из { $max }):
problems-next = Проблема { $next } из { $max } — тема или своими словами:
problems-more-better = Чем больше проблем вы назовёте (до пяти), тем точнее рейтинг.
problem-line = { $n }. { $label }
problem-line-typed = { $n }. { $label } — «{ $text }»
problem-line-own = { $n }. «{ $text }» (своими словами)
groups-prompt = Все темы: выберите раздел.
    .wa = Все темы: напишите номер раздела.
group-prompt = <b>{ $group }</b>: выберите проблему.
    .wa = <b>{ $group }</b>: напишите номер проблемы.
replace-prompt = Чем заменить «{ $label }»? Выберите тему или напишите своими словами.
    .wa = Чем заменить «{ $label }»? Напишите номер темы или опишите проблему своими словами.
pending-words = Ваши слова: «{ $text }».
problem-added = Добавлено: <b>{ $label }</b> ({ $count } из { $max }).
problem-added-typed = Добавлено: <b>{ $label }</b> — «{ $text }» ({ $count } из { $max }).
problem-duplicate = «{ $label }» уже есть в вашем списке.
problem-removed = Убрано: { $label }.
problem-replaced = Заменено: { $old } → <b>{ $new }</b>.
problem-moved = «{ $label }» теперь на месте { $n }.
problems-dropped = В городе { $city } нет тем: { $labels } — они убраны из вашего списка.
problems-full = В списке уже { $max } проблем — это максимум.
thanks-reply = Вам спасибо! Продолжим — назовите проблему кнопкой или своими словами.
    .wa = Вам спасибо! Продолжим — назовите проблему номером или своими словами.
greeting = Здравствуйте! Назовите проблему города — кнопкой или своими словами.
    .wa = Здравствуйте! Назовите проблему города — номером или своими словами.


own-saved = Сохранено своими словами: «{ $text }» ({ $count } из { $max }).
own-one = Похоже, это тема <b>{ $label }</b>. Так и отметить?
own-many = Если подходит одна из этих тем — выберите её:
own-none = Подходящей темы не нашлось — оставим так, или выберите тему сами.
retag-ask = «{ $text }» сейчас в теме <b>{ $label }</b>. Выберите другую:
also-ask = Похоже, здесь ещё одна проблема: <b>{ $label }</b>. Добавить и её?
problem-placed = Тема: <b>{ $label }</b> — «{ $text }».
problem-kept-own = Оставлено своими словами: «{ $text }» ({ $count } из { $max }).
problems-added = Добавлено: <b>{ $labels }</b> ({ $count } из { $max }).
btn-also = ➕ Да, и { $label }
    .short = ➕ Да, добавить
btn-only-one = Нет, только одна
btn-keep-as-is = ✅ Оставить так
btn-own-words = 📝 Своими словами
btn-not-a-problem = ✖️ Это не проблема

review-title = <b>Ваш список сохранён и уже учтён в рейтинге.</b> Проверьте его:
review-hint = Нажмите на проблему, чтобы поднять, опустить, заменить или убрать её.
    .wa = Чтобы поднять, опустить, заменить или убрать проблему, напишите её номер.
answer-city = Город: { $city }
answer-district = Район: { $district }
answer-district-unknown = Район: не указан
review-can-add = Вы назвали { $count ->
        [one] { $count } проблему
        [few] { $count } проблемы
        [many] { $count } проблем
       *[other] { $count } проблемы
    } из { $max }. Можно добавить ещё.
item-button = { $n }. { $label }
item-prompt = Проблема { $n }: <b>{ $label }</b>. Что сделать с ней?
saved = Спасибо, ваши ответы сохранены.
subscribe-prompt = Присылать вам приглашения на общественные слушания по программе развития и бюджету города? Не чаще нескольких раз в год.
thanks = { $subscribed ->
        [yes] Вы подписаны на приглашения на слушания.
       *[no] Приглашения на слушания присылать не будем.
    }
    Спасибо, что помогаете городу! Результаты опроса — кнопкой ниже или /results.
    .wa = { $subscribed ->
        [yes] Вы подписаны на приглашения на слушания.
       *[no] Приглашения на слушания присылать не будем.
    }
    Спасибо, что помогаете городу! Результаты опроса — /results, ваши ответы — /my.
already-answered = Вы уже ответили — спасибо! Ответы можно посмотреть или изменить.
welcome-back = С возвращением!
continue = Продолжим с того места, где остановились.
nudge = Вы начали опрос, но не закончили: в вашем списке { $count } из { $max }. Ваши ответы уже учтены — добавьте ещё, если хотите. Продолжим?

my-title = <b>Ваши ответы:</b>
my-none = Вы ещё не ответили на опрос.
my-subscribed = Приглашения на слушания: да.
my-not-subscribed = Приглашения на слушания: нет.
subscribed = Готово: пришлём приглашения на общественные слушания. Отписаться — /stop.
stopped = Готово: приглашения на слушания больше присылать не будем. Ваши ответы сохранены.

results-title = <b>{ $city }: главные проблемы по мнению жителей</b>
    Ответили: { $respondents } { $respondents ->
        [one] житель
        [few] жителя
        [many] жителей
       *[other] жителя
    }.
results-row = { $position }. { $label } — { $percent }%
results-district = <b>{ $district }</b> (ответили: { $respondents }):
results-district-few = Рейтинг района «{ $district }» покажем, когда в районах ответит больше жителей (не меньше { $min } в каждом).
results-few = Пока ответили меньше { $min } жителей — рейтинг покажем, когда их станет больше.
results-own-words = Пока все ответы — своими словами; рабочая группа разбирает их по темам.
results-empty = Пока никто не ответил — вы можете быть первым!
results-no-city = Результаты появятся, когда вы выберете город.

forget-prompt = Удалить все ваши данные — ответы и настройки? Это нельзя отменить.
forgotten = Ваши данные удалены. Чтобы пройти опрос снова, отправьте /start.
forgotten-tap = Ваши данные удалены. Чтобы пройти опрос снова, отправьте /start.
forget-cancelled = Хорошо, ничего не удалено.

help = Этот бот собирает пять самых важных проблем города от жителей.
    /start — начать или продолжить
    /my — мои ответы
    /edit — изменить ответы: поменять местами, заменить, убрать
    /results — результаты опроса
    /language — язык (Кыргызча / Русский)
    /stop — не присылать приглашения
    /forget — удалить мои данные
    /help — эта справка
unknown-command = Не знаю команду /{ $command }.
whoami = Ваш номер (id): { $id }
    Его вписывают в файл города, чтобы дать права администратора или рабочей группы.
not-understood = Не понял ответ. Нажмите кнопку или напишите номер варианта.
    .wa = Не понял ответ. Напишите номер варианта из списка.
negated-noted = Хорошо, этого не делаю. Вот текущий вопрос:
stale-button = Эта кнопка уже не действует. Вот текущий вопрос:
tap-done = Уже сделано.
too-long = Слишком длинное сообщение ({ $length } { $length ->
        [one] символ
        [few] символа
        [many] символов
       *[other] символа
    }). Пожалуйста, сократите до { $limit } { $limit ->
        [one] символа
        [few] символов
        [many] символов
       *[other] символа
    }.
media-unsupported = { $kind ->
        [sticker] Спасибо за стикер!
        [photo] Фото бот пока не читает.
        [voice] Голосовые сообщения бот пока не слушает.
        [video] Видео бот пока не смотрит.
        [location] Геопозиция здесь не нужна.
        [contact] Контакты боту не нужны.
       *[other] Бот понимает только текст и кнопки.
    } Ответьте, пожалуйста, кнопкой или текстом.
    .wa = { $kind ->
        [sticker] Спасибо за стикер!
        [photo] Фото бот пока не читает.
        [voice] Голосовые сообщения бот пока не слушает.
        [video] Видео бот пока не смотрит.
        [location] Геопозиция здесь не нужна.
        [contact] Контакты боту не нужны.
       *[other] Бот понимает только текст.
    } Ответьте, пожалуйста, номером или текстом.

btn-done = ✅ Готово
btn-remove-last = ↩️ Убрать последнюю
    .short = ↩️ Убрать последнюю
btn-back = ⬅️ Назад
btn-more = ➡️ Ещё
btn-other-topics = 📂 Другие темы
btn-retag = 🔁 Другая тема
btn-accept = ✅ Да, «{ $label }»
    .short = ✅ Да, верно
btn-cancel = ✖️ Отмена
btn-confirm = ✅ Всё верно
btn-add-more = ➕ Добавить ещё
btn-change-district = 📍 Район
btn-up = ⬆️ Выше
btn-down = ⬇️ Ниже
btn-replace = 🔁 Заменить
btn-remove = 🗑 Убрать
btn-subscribe-yes = 🔔 Да, присылать
btn-subscribe-no = Нет, спасибо
btn-edit = ✏️ Изменить
btn-results = 📊 Результаты
btn-subscribe = 🔔 Подписаться на слушания
    .short = 🔔 Подписаться
btn-unsubscribe = 🔕 Отписаться от слушаний
    .short = 🔕 Отписаться
btn-forget-yes = 🗑 Да, удалить всё
    .short = 🗑 Удалить всё
btn-forget-no = Нет, оставить
btn-menu = Выбрать

cmd-start = Начать или продолжить опрос
cmd-my = Мои ответы
cmd-edit = Изменить ответы
cmd-results = Результаты опроса
cmd-language = Язык / Тил
cmd-stop = Не присылать приглашения
cmd-forget = Удалить мои данные
cmd-help = Справка
error-internal = Извините, что-то пошло не так. Ваши ответы не потеряны — попробуйте ещё раз через минуту.

## Working-group summaries (rankings)
summary-title = <b>{ $city }: рейтинг проблем города</b>
summary-title-district = <b>{ $city }, { $district }: рейтинг проблем</b>
summary-respondents = Ответили: { $respondents } { $respondents ->
        [one] житель
        [few] жителя
        [many] жителей
       *[other] жителя
    }.
summary-empty = Пока никто не ответил.
summary-own-only = Пока все ответы — своими словами: разберите их по темам (/review).
summary-row = { $position }. { $label } — { $count } ({ $percent }%) { $movement }
summary-row-weighted = { $position }. { $label } — { $count } ({ $percent }%, с учётом населения районов { $weighted }%) { $movement }
summary-weighted-note = <i>Доля «с учётом населения» взвешивает районы по числу жителей, чтобы активный район не перевешивал остальные.</i>
summary-new = 🆕
summary-same = ＝
summary-up = ▲{ $places }
summary-down = ▼{ $places }
summary-moved = { $movement } ({ $delta })
summary-district = <b>{ $district }</b> ({ $respondents })
summary-no-district = <b>Район не указан</b> ({ $respondents })
summary-district-row = { $position }. { $label } — { $count }
summary-unplaced = Ответов своими словами ждут разбора: { $count } (/review).
summary-changed = Новых или изменённых ответов с прошлой сводки: { $count }.
chart-title = { $city }: главные проблемы, % ответивших
chart-note = Ответили: { $respondents }. Жители называют до пяти проблем, поэтому сумма больше 100%.
chart-caption = { $city }: рейтинг проблем на { $day }

## Working-group chats
group-help = Команды рабочей группы:
    /bind &lt;город&gt; — подключить этот чат к рабочей группе города (только администраторы города)
    /unbind — отключить чат (администраторы)
    /summary — рейтинг проблем сейчас; /summary &lt;район&gt; — по району
    /review — разобрать ответы своими словами (администраторы и рецензенты из настроек)
    /export — таблица для городского кенеша (XLSX; администраторы и рецензенты)
    /language — язык сводок: /language ky или /language ru (администраторы и рецензенты)
    Каждый день в заданное время бот сам присылает сводку с графиком.
group-unknown-city = Не знаю такого города. Напишите, например: /bind karakol (города: { $cities }).
group-not-admin = Это может сделать только администратор города из настроек бота.
group-not-allowed = Это могут только администраторы города и рецензенты рабочей группы из настроек бота: ответы жителей видят только они.
group-bound-elsewhere = Этот чат — рабочая группа города { $city }. Перенести его к другому городу может только администратор города { $city } (или сначала /unbind).
group-bound = Готово: этот чат — рабочая группа города { $city }. Сводка будет приходить каждый день; сейчас — /summary.
group-unbound = Чат отключён от рабочей группы города { $city }. Сводок больше не будет.
group-not-bound = Этот чат ещё не подключён к городу. Администратор города может написать /bind &lt;город&gt;.
group-language-usage = Укажите язык: /language ky или /language ru.
group-language-set = Готово: сводки будут на русском языке.
group-unknown-district = Не знаю такого района. Районы: { $districts }.

## Export for the council (column and sheet names)
export-sheet-ranking = Рейтинг
export-sheet-answers = Ответы
export-sheet-chart = График
export-col-place = Где
export-col-position = Место
export-col-category = Проблема
export-col-category-id = Код
export-col-count = Назвали
export-col-share = Доля
export-col-score = Баллы (1-е место = 5)
export-col-low = Доля: нижняя граница 95%
export-col-high = Доля: верхняя граница 95%
export-col-district = Район
export-col-rank = Место в списке жителя
export-col-words = Своими словами
export-col-date = Дата
export-citywide = Весь город
export-no-district = Район не указан
export-caption = { $city }: рейтинг проблем и ответы жителей
export-too-big = Файл с ответами получился больше { $limit } МБ, а Telegram не принимает от ботов файлы такого размера. Скачайте его на странице рабочей группы или попросите оператора выгрузить его командой citybot export.

## Review of free text (working groups)
review-item = <b>Разбор ответов своими словами</b> (осталось формулировок: { $left })
    «{ $text }» — { $count ->
        [one] { $count } ответ
        [few] { $count } ответа
        [many] { $count } ответов
       *[other] { $count } ответа
    }.
    К какой теме это отнести?
review-empty = Все ответы своими словами разобраны. Спасибо!
review-done = Готово: { $count ->
        [one] { $count } ответ отнесён
        [few] { $count } ответа отнесены
        [many] { $count } ответов отнесены
       *[other] { $count } ответа отнесены
    } к теме «{ $label }». В следующий раз бот сам поймёт такую формулировку.
review-kept = Оставлено как «своими словами».
review-gone = Эту формулировку уже разобрали.
btn-review-all = Все темы…
btn-review-keep = Оставить своими словами
    .short = Своими словами
btn-review-skip = Пропустить

## Public-hearing announcements (what residents receive)
announcement-text = 📢 <b>Общественные слушания: { $title }</b>
    Когда: { $date }, { $time }
    Где: { $place }
    Повестка: { $agenda }
    Приходите — ваше мнение учтут. Отписаться от приглашений: /stop
announcement-reminder = ⏰ <b>Напоминание: общественные слушания — { $title }</b>
    Когда: { $date }, { $time }
    Где: { $place }
    Отписаться от приглашений: /stop

## Composing an announcement (city admins)
cmd-announcements = ближайшие общественные слушания
announce-not-admin = Объявления могут отправлять только администраторы города.
announce-ask-city = Для какого города объявление?
announce-ask-langs = На каких языках объявление? Жители получат его на своём языке.
announce-both-langs = На русском и кыргызском
    .short = Русский и кыргызский
announce-only = Только: { $lang }
    .short = Только: { $lang }
announce-ask-title = Название слушаний ({ $lang }):
announce-ask-when = Дата и время слушаний в формате дд.мм.гггг чч:мм, например 05.12.2026 15:00:
announce-ask-place = Место ({ $lang }):
announce-ask-agenda = Повестка ({ $lang }):
announce-ask-at = Когда отправить? Дата и время в формате дд.мм.гггг чч:мм:
announce-ask-reminder = Когда напомнить (обычно накануне)? Дата и время в формате дд.мм.гггг чч:мм:
announce-bad-time = Не понял дату. Нужен формат дд.мм.гггг чч:мм, например 05.12.2026 15:00.
announce-past-time = Это время уже прошло. Укажите время в будущем.
announce-after-hearing = Отправка и напоминание должны быть раньше самих слушаний.
announce-too-long = Слишком длинно: не больше { $limit } символов.
announce-missing-text = Не хватает текста: { $fields }.
operator-unknown-city = Не знаю такого города: { $city }.
announce-preview-head = <b>Так объявление увидят жители:</b>
announce-recipients = Получателей сейчас: Telegram — { $tg }, WhatsApp — { $wa }.
announce-when-now = Отправка: сразу после подтверждения.
announce-when-at = Отправка: { $at }.
announce-when-reminder = Напоминание: { $at }.
announce-btn-send-now = ✅ Отправить сейчас
announce-btn-confirm = ✅ Подтвердить
announce-btn-schedule = 🕒 Отправить позже
    .short = 🕒 Позже
announce-btn-reminder = ⏰ Добавить напоминание
    .short = ⏰ Напоминание
announce-btn-edit = ✏️ Изменить текст
announce-sending = Готово: объявление отправляется. Ход рассылки — /announcements.
announce-scheduled = Готово: объявление будет отправлено { $at }.
announce-cancelled = Объявление отменено, ничего не отправлено.
announcements-list = { $list }
announcements-none = Ближайших общественных слушаний пока нет.
announcements-item = • <b>{ $title }</b> — { $date }, { $time }, { $place }
broadcast-progress = 📤 Рассылка идёт: отправлено { $sent }, не доставлено { $failed }, осталось { $left } ({ $rate } в секунду, ещё ~{ $minutes } мин).
broadcast-done = ✅ Рассылка завершена: отправлено { $sent }, не доставлено { $failed }, пропущено { $skipped } (отписались или нет шаблона WhatsApp).
announce-bad-order = Время не сходится: порядок должен быть: отправка → напоминание → слушания, и всё — в будущем. Время отправки и напоминания сброшено, задайте их снова.
