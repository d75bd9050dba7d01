# Survey rounds: one per budget cycle (flows/rounds.py, flows/round_steps.py).
# "этап" for a round: used so in Kyrgyz official texts; "сурамжылоо" (survey) as in survey.ftl.

## A new round: the list of an earlier round offered to keep or change

# review
round-carry = <b>Сурамжылоонун жаңы этабы башталды: «{ $title }»</b> ({ $ends } чейин). Өткөн жолу сиз атаган көйгөйлөр:
# review
round-carry-ask = Бул тизмени жаңы этапка калтырасызбы же өзгөртөсүзбү? Көйгөйдү жазып жиберсеңиз да болот — жаңы тизме баштайбыз.
# review
btn-round-keep = ✅ Тизмени калтыруу
btn-round-change = ✏️ Өзгөртүү

## Outside a round (the city has rounds, none takes answers now)

# review
round-before = { $city } шаарында сурамжылоо азыр жүрбөй жатат. Кийинки этап «{ $title }» { $starts } башталып, { $ends } чейин уланат: ошол күндөн тартып жооп берсеңиз болот.
# review
round-none = { $city } шаарында сурамжылоо азыр жүрбөй жатат: «{ $title }» этабы аяктады. Жыйынтыктарды азыр деле көрө аласыз.
# Under round-before / round-none: how the resident learns that the next round began
# review
round-notify-offer = «Кабар берүү» баскычын басыңыз — кийинки этап ачылганда сизге жазабыз.
# review
round-notify-offer-date = «Кабар берүү» баскычын басыңыз — { $starts }, этаптын биринчи күнү сизге жазабыз.
# review
round-notify-on = Сиз жазылгансыз: кийинки этап башталганда сизге жазабыз. Жазылууну токтотуу — /stop.
# review
round-notify-whatsapp = WhatsApp'та бот сизге кабарыңыздан кийин бир сутканын ичинде гана жаза алат, ошондуктан этап башталганда бул жерге өзүңүз кайрылыңыз.
# review
btn-round-notify = 🔔 Кабар берүү

## What an admin reads when a round cannot be opened so

# review
round-missing-title = Этаптын аталышы жок ({ $langs }).
# review
round-title-too-long = Этаптын аталышы ({ $lang }) { $limit } белгиден узун.
# review
round-bad-date = { $field }: КК.АА.ЖЖЖЖ түрүндөгү дата керек, «{ $text }» келди.
# review
round-bad-order = Этап башталгандан мурун бүтүп калат.
# review
round-over = Этап буга чейин эле бүтүп калмак: { $ends } өтүп кетти.

## The invitation when a round begins (an announcement to subscribers with no list in it yet)

# review
round-invitation = <b>{ $city } шаарында сурамжылоонун жаңы этабы: «{ $title }»</b> ({ $starts } — { $ends }).
    Ботко /start деп жазып, шаардын беш негизги көйгөйүн атаңыз. Мурунку этапта жооп берген болсоңуз, мурунку тизмеңизди бир басуу менен калтырсаңыз же өзгөртсөңүз болот.

## /round in a working-group chat

# review
group-round-none = { $city } шаарында сурамжылоонун этаптары азырынча болгон эмес: жооптор дайыма кабыл алынат. Администратор этап ача алат: /round open.
# review
group-round-current = { $city }: сурамжылоонун «{ $title }» этабы, { $starts } — { $ends }: { $phase ->
        [before] { $starts } башталат
        [after] акыркы күнү өттү, этап али жабыла элек (/round close)
        [closed] аяктады
       *[open] жүрүп жатат, жооптор кабыл алынууда
    }.
# review
group-round-usage = Сурамжылоонун этаптары:
    /round — учурдагы этап
    /round open КК.АА.ЖЖЖЖ КК.АА.ЖЖЖЖ Название | Аталышы — ачуу (шаардын администраторлору)
    /round close — учурдагы этапты жабуу (шаардын администраторлору)
# review
group-round-admins = Сурамжылоонун этаптарын шаардын администраторлору гана ача жана жаба алат.
# review
group-round-close-first = «{ $title }» этабы али ачык: адегенде аны жабыңыз (/round close), андан кийин жаңысын ачыңыз.
# review
group-round-nothing-open = Ачык этап жок — жаба турган эч нерсе жок.
# review
group-round-opened = «{ $title }» этабы ачылды: { $starts } — { $ends }. Мурда жооп берген тургундар бир чакыруу алышат (жазылгандар гана).
# review
group-round-closed = «{ $title }» этабы жабылды. Жооптор мындан ары кабыл алынбайт; рейтинг жана жүктөп алуу кийинки этап башталганга чейин ушул этапты көрсөтөт.

## The summary names the round its figures belong to

# review
summary-round = «{ $title }» этабы, { $starts } — { $ends }
