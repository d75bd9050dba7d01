# Survey rounds: one per budget cycle (flows/rounds.py, flows/round_steps.py).

## A new round: the list of an earlier round offered to keep or change

round-carry = <b>Начался новый этап опроса «{ $title }»</b> (до { $ends }). В прошлый раз вы назвали:
round-carry-ask = Оставить этот список для нового этапа или изменить его? Можно и просто написать проблему — начнём новый список.
btn-round-keep = ✅ Оставить список
btn-round-change = ✏️ Изменить

## Outside a round (the city has rounds, none takes answers now)

round-before = Опрос в городе { $city } сейчас не идёт. Следующий этап «{ $title }» начнётся { $starts } и продлится до { $ends }: с этого дня можно будет ответить.
round-none = Опрос в городе { $city } сейчас не идёт: этап «{ $title }» завершён. Результаты можно посмотреть и сейчас.
# Under round-before / round-none: how the resident learns that the next round began
round-notify-offer = Нажмите «Сообщить о начале» — мы напишем, когда откроется следующий этап.
round-notify-offer-date = Нажмите «Сообщить о начале» — мы напишем вам { $starts }, в первый день этапа.
round-notify-on = Вы подписаны: мы напишем, когда начнётся следующий этап. Отписаться — /stop.
round-notify-whatsapp = В WhatsApp бот может написать вам только в течение суток после вашего сообщения, поэтому загляните сюда сами, когда этап начнётся.
btn-round-notify = 🔔 Сообщить о начале

## What an admin reads when a round cannot be opened so

round-missing-title = Нет названия этапа ({ $langs }).
round-title-too-long = Название этапа ({ $lang }) длиннее { $limit } символов.
round-bad-date = { $field }: нужна дата ДД.ММ.ГГГГ, получено «{ $text }».
round-bad-order = Этап заканчивается раньше, чем начинается.
round-over = Этап уже закончился бы: { $ends } прошло.

## The invitation when a round begins (an announcement to subscribers with no list in it yet)

round-invitation = <b>Новый этап опроса в городе { $city }: «{ $title }»</b> ({ $starts } — { $ends }).
    Напишите боту /start и назовите пять главных проблем города. Если вы отвечали на прошлом этапе, прежний список можно оставить одним нажатием или изменить.

## /round in a working-group chat

group-round-none = В городе { $city } этапов опроса ещё не было: ответы принимаются всегда. Администратор может открыть этап: /round open.
group-round-current = { $city }: этап опроса «{ $title }», { $starts } — { $ends }: { $phase ->
        [before] начнётся { $starts }
        [after] последний день прошёл, этап ещё не закрыт (/round close)
        [closed] завершён
       *[open] идёт, ответы принимаются
    }.
group-round-usage = Этапы опроса:
    /round — текущий этап
    /round open ДД.ММ.ГГГГ ДД.ММ.ГГГГ Название | Аталышы — открыть (администраторы города)
    /round close — закрыть текущий этап (администраторы города)
group-round-admins = Открывать и закрывать этапы опроса могут только администраторы города.
group-round-close-first = Этап «{ $title }» ещё открыт: сначала закройте его (/round close), потом откройте новый.
group-round-nothing-open = Открытого этапа нет — закрывать нечего.
group-round-opened = Этап «{ $title }» открыт: { $starts } — { $ends }. Жители, ответившие раньше, получат одно приглашение (только подписчики).
group-round-closed = Этап «{ $title }» закрыт. Ответы больше не принимаются; рейтинг и выгрузка показывают этот этап до начала следующего.

## The summary names the round its figures belong to

summary-round = Этап «{ $title }», { $starts } — { $ends }
