## Own words grouped into themes by similarity (flows/themes.py)

## `citybot themes`: plain text for a clerk
themes-cli-head = { $city }: ответы своими словами, сгруппированные по сходству. Групп: { $themes }, ответов: { $answers }.
themes-cli-none = { $city }: ответов своими словами, ждущих разбора, нет.
themes-cli-theme = { $position }. Ответов: { $count }, формулировок: { $wordings } (id { $id })
themes-cli-suggested = Похоже на тему «{ $label }»
themes-cli-wording = «{ $text }» — { $count }
themes-cli-more = … и ещё формулировок: { $count }

## /review: similar answers placed together with one tap
btn-review-theme = Похожие ответы…
review-theme = <b>Похожие ответы</b> (групп: { $left })
    { $count ->
        [one] { $count } ответ
        [few] { $count } ответа
        [many] { $count } ответов
       *[other] { $count } ответа
    }, формулировок: { $wordings }.
review-theme-wording = «{ $text }» — { $count }
review-theme-more = … и ещё формулировок: { $count }
review-theme-ask = К какой теме отнести их все?
review-theme-done = Готово: { $count ->
        [one] { $count } ответ отнесён
        [few] { $count } ответа отнесены
        [many] { $count } ответов отнесены
       *[other] { $count } ответа отнесены
    } к теме «{ $label }» (формулировок: { $wordings }). В следующий раз бот сам поймёт эти формулировки.
review-theme-kept = Оставлено как «своими словами» (формулировок: { $wordings }).
review-theme-gone = Эти ответы уже разобрали.
btn-theme-keep = Оставить все своими словами
    .short = Все своими словами
btn-theme-skip = Следующая группа
btn-theme-single = По одной формулировке
    .short = По одной

## `citybot themes`: a growing theme proposed as the city's new category, and accepting it
themes-cli-proposed = Тема растёт и может стать новой категорией города. Принять: { $command }
themes-accept-done = Категория «{ $id }» добавлена. Перенесено { $count ->
        [one] { $count } ответ
        [few] { $count } ответа
        [many] { $count } ответов
       *[other] { $count } ответа
    } в новую категорию.
themes-accept-missing = Не хватает { $flags }: укажите id новой категории и её название на двух языках.
themes-accept-unknown = Темы { $id } сейчас нет: посмотрите актуальные id командой citybot themes --city { $city }.
themes-accept-bad-id = Id «{ $id }» не подходит: латинские строчные буквы, цифры и «_», от 2 до 32 символов, начиная с буквы (например, traffic_jams).
themes-accept-taken = Категория «{ $id }» уже есть: выберите другой id.
themes-accept-bad-title = Название на языке { $lang } должно быть от 1 до 60 символов: исправьте --{ $lang }.
themes-accept-empty = В теме нет формулировок: выберите другую тему из citybot themes.
