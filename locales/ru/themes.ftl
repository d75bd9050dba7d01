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
