## Own words grouped into themes by similarity (flows/themes.py)
# review (ky-review: "жазуу" for a wording, as in review-gone; "окшош жооптор" = similar answers)

## `citybot themes`: plain text for a clerk
themes-cli-head = { $city }: өз сөзү менен жазылган жооптор окшоштугу боюнча топтоштурулду. Топтор: { $themes }, жооптор: { $answers }.
themes-cli-none = { $city }: талдоону күтүп жаткан өз сөзү менен жазылган жооптор жок.
themes-cli-theme = { $position }. Жооптор: { $count }, жазуулар: { $wordings } (id { $id })
# review
themes-cli-suggested = «{ $label }» темасына окшош
themes-cli-wording = «{ $text }» — { $count }
themes-cli-more = … дагы { $count } жазуу

## /review: similar answers placed together with one tap
btn-review-theme = Окшош жооптор…
review-theme = <b>Окшош жооптор</b> (топтор: { $left })
    { $count } жооп, жазуулар: { $wordings }.
review-theme-wording = «{ $text }» — { $count }
review-theme-more = … дагы { $count } жазуу
# review
review-theme-ask = Алардын баарын кайсы темага киргизебиз?
# review
review-theme-done = Даяр: { $count } жооп «{ $label }» темасына киргизилди (жазуулар: { $wordings }). Кийинки жолу бот бул жазууларды өзү түшүнөт.
review-theme-kept = «Өз сөзү менен» катары калтырылды (жазуулар: { $wordings }).
review-theme-gone = Бул жооптор талданып бүткөн.
# review (.short)
btn-theme-keep = Баарын өз сөзү менен калтыруу
    .short = Баары өз сөзү менен
btn-theme-skip = Кийинки топ
# review (.short)
btn-theme-single = Бир-бирден талдоо
    .short = Бир-бирден

## `citybot themes`: a growing theme proposed as the city's new category, and accepting it
# review
themes-cli-proposed = Бул тема өсүп жатат, шаардын жаңы категориясы боло алат. Кабыл алуу: { $command }
# review
themes-accept-done = «{ $id }» категориясы кошулду. Жаңы категорияга { $count } жооп көчүрүлдү.
# review
themes-accept-missing = { $flags } жетишпейт: жаңы категориянын id'син жана эки тилдеги аталышын көрсөтүңүз.
# review
themes-accept-unknown = Азыр { $id } темасы жок: учурдагы id'лерди citybot themes --city { $city } буйругу менен караңыз.
# review
themes-accept-bad-id = «{ $id }» id'си туура эмес: латын кичине тамгалары, сандар жана «_», 2ден 32 белгиге чейин, тамга менен башталат (мисалы, traffic_jams).
# review
themes-accept-taken = «{ $id }» категориясы мурунтан эле бар: башка id тандаңыз.
# review
themes-accept-bad-title = { $lang } тилиндеги аталыш 1ден 60 белгиге чейин болушу керек: --{ $lang } оңдоңуз.
# review
themes-accept-empty = Бул темада жазуулар жок: citybot themes тизмесинен башка тема тандаңыз.
