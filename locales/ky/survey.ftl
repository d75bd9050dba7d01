# Resident survey, Kyrgyz. HTML allowed: <b>, <i>. Arguments are escaped by the channel.
# Terms from ../shared/domain/glossary-ru-ky.md where attested; lines marked "review" are our
# own wording and await a native speaker. Names stand alone ("Шаар: Каракол") so no case
# ending is glued onto an interpolated name. A `.wa` attribute is the WhatsApp wording (no
# buttons there: residents type a number or words).

language-prompt = Саламатсызбы! Здравствуйте!
    Тилди тандаңыз / Выберите язык:
# review
language-changed = Тил: кыргызча.
# review (ky-review: the "anonymous" claim was not true; this says what is)
intro = Саламатсызбы! Бул мэриянын сурамжылоосу: <b>шаардын эң маанилүү беш көйгөйүн</b> атаңыз — жумушчу топ (мэрия, депутаттар, ӨЭУ) жалпы рейтингди күн сайын көрөт. Атыңыз, номериңиз жана аккаунтуңуз эч кимге көрсөтүлбөйт жана отчётторго кирбейт.
# review
preset-place = Шаар: { $city }, район: { $district } (шилтеме боюнча; аягында өзгөртсөңүз болот).
# review
city-prompt = Шаарыңызды тандаңыз:
    .wa = Шаарыңыздын номерин же атын жазыңыз:
# review
city-not-served = «{ $city }» шаары азырынча сурамжылоого катышпайт. Катышкан шаарлар: { $cities }.
# review ("кичи район" attested, МАБ attested)
district-prompt = Шаар: { $city }. Районуңузду (МАБ) тандаңыз. Көчөнү же жакын жердеги белгилүү жайды жазсаңыз да болот.
    .wa = Шаар: { $city }. Районуңуздун (МАБ) номерин же атын, көчөнү же жакын жердеги белгилүү жайды жазыңыз.
# review
district-which = Мындай көчө бир нече райондо бар. Өзүңүздүкүн тандаңыз:
    .wa = Мындай көчө бир нече райондо бар. Өзүңүздүкүнүн номерин жазыңыз:
# review
district-location-hint = Же жайгашкан жериңизди жөнөтүңүз (📎 → Геопозиция) — бот районду өзү аныктайт.
# review
district-located = Сиздин район: <b>{ $district }</b>.
# review
location-outside = Бул жер шаардын эч бир районуна кирбейт. Районду тизмеден тандаңыз.
btn-district-unknown = Билбейм
# review
btn-change-city = Башка шаар
# review
btn-all-districts = Бардык райондор

# review (ky-review, high: "Көйгөй 1/5", never "5 көйгөйдүн 1-си")
problems-first = Шаардын эң маанилүү { $max } көйгөйүнө чейин эң маанилүүсүнөн баштап атаңыз. Көйгөй 1 — теманы тандаңыз же өз сөзүңүз менен жазыңыз:
    .wa = Шаардын эң маанилүү { $max } көйгөйүнө чейин эң маанилүүсүнөн баштап атаңыз. Көйгөй 1 — теманын номерин жазыңыз же көйгөйдү өз сөзүңүз менен жазыңыз:
# review (ky-review: "Сиздин тизмеңиз", with the possessive)
problems-list = Сиздин тизмеңиз ({ $count }/{ $max }):
# review
problems-next = Көйгөй { $next }/{ $max } — тема же өз сөзүңүз менен:
# review
problems-more-better = Канчалык көп көйгөй атасаңыз (бешке чейин), рейтинг ошончолук так болот.
problem-line = { $n }. { $label }
problem-line-typed = { $n }. { $label } — «{ $text }»
# review
problem-line-own = { $n }. «{ $text }» (өз сөзүңүз менен)
# review
groups-prompt = Бардык темалар: бөлүмдү тандаңыз.
    .wa = Бардык темалар: бөлүмдүн номерин жазыңыз.
# review
group-prompt = <b>{ $group }</b>: көйгөйдү тандаңыз.
    .wa = <b>{ $group }</b>: көйгөйдүн номерин жазыңыз.
# review
replace-prompt = «{ $label }» ордуна эмне коёлу? Теманы тандаңыз же өз сөзүңүз менен жазыңыз.
    .wa = «{ $label }» ордуна эмне коёлу? Теманын номерин жазыңыз же көйгөйдү өз сөзүңүз менен жазыңыз.
# review
pending-words = Сиздин сөздөрүңүз: «{ $text }».
# review
problem-added = Кошулду: <b>{ $label }</b> ({ $count }/{ $max }).
# review
problem-added-typed = Кошулду: <b>{ $label }</b> — «{ $text }» ({ $count }/{ $max }).
# review
problem-duplicate = «{ $label }» тизмеңизде мурунтан эле бар.
# review (ky-review, low: "Тизмеден алынды" = taken off the list)
problem-removed = Тизмеден алынды: { $label }.
# review
problem-replaced = Алмаштырылды: { $old } → <b>{ $new }</b>.
# review
problem-moved = «{ $label }» эми { $n }-орунда.
# review
problems-full = Тизмеде { $max } көйгөй бар — мындан көп кошууга болбойт.
# review
pending-kept = Мурунку жообуңуз сакталды: <b>{ $label }</b> — «{ $text }».
# review
pending-kept-own = Мурунку жообуңуз өз сөзүңүз менен сакталды: «{ $text }».
# review
greeting = Саламатсызбы! Шаардын көйгөйүн атаңыз — баскыч менен же өз сөзүңүз менен.
    .wa = Саламатсызбы! Шаардын көйгөйүн атаңыз — номери менен же өз сөзүңүз менен.

# review
suggest-one = Сиз жаздыңыз: «{ $text }».
    Бул <b>{ $label }</b> темасына окшойт. Туурабы?
# review
suggest-many = Сиз жаздыңыз: «{ $text }».
    Бул кайсы темага тиешелүү?
# review (ky-review, medium: "бар окшойт", "бирин")
suggest-two = Сиз жаздыңыз: «{ $text }».
    Бул жерде эки көйгөй бар окшойт. Экөөнү тең кошуңуз же бирин тандаңыз:
# review (ky-review, medium)
suggest-none = Сиз жаздыңыз: «{ $text }».
    Ылайыктуу тема табылган жок. Жазганыңыздай сактайлыбы?

# review
review-title = <b>Тизмеңиз сакталды жана рейтингге кошулду.</b> Текшерип чыгыңыз:
# review
review-hint = Көйгөйдү жогору же төмөн жылдыруу, алмаштыруу же тизмеден алуу үчүн аны басыңыз.
    .wa = Көйгөйдү жогору же төмөн жылдыруу, алмаштыруу же тизмеден алуу үчүн анын номерин жазыңыз.
answer-city = Шаар: { $city }
answer-district = Район: { $district }
# review
answer-district-unknown = Район: көрсөтүлгөн жок
# Kyrgyz nouns stay singular after a numeral: one form for every count.
# review
review-can-add = Сиз { $count } көйгөй атадыңыз (эң көбү { $max }). Дагы кошсоңуз болот.
item-button = { $n }. { $label }
# review
item-prompt = Көйгөй { $n }: <b>{ $label }</b>. Аны менен эмне кылабыз?
# near-attested
saved = Рахмат, жоопторуңуз сакталды.
# review (ky-review, high: the official name of the programme)
subscribe-prompt = Шаарды өнүктүрүү программасы жана шаардын бюджети боюнча коомдук угууларга чакырууларды сизге жөнөтөлүбү? Жылына бир нече жолу гана.
# review
thanks = { $subscribed ->
        [yes] Коомдук угууларга чакыруу алууга жазылдыңыз.
       *[no] Коомдук угууларга чакыруулар жөнөтүлбөйт.
    }
    Шаарга жардам бергениңиз үчүн рахмат! Сурамжылоонун жыйынтыктары — төмөнкү баскыч же /results.
    .wa = { $subscribed ->
        [yes] Коомдук угууларга чакыруу алууга жазылдыңыз.
       *[no] Коомдук угууларга чакыруулар жөнөтүлбөйт.
    }
    Шаарга жардам бергениңиз үчүн рахмат! Сурамжылоонун жыйынтыктары — /results, жоопторуңуз — /my.
# review (ky-review, medium: ability form "көрө же өзгөртө аласыз")
already-answered = Сиз буга чейин жооп бергенсиз — рахмат! Жоопторуңузду көрө же өзгөртө аласыз.
# review
welcome-back = Кайра кош келиңиз!
# review
continue = Токтогон жерден улантабыз.
# review
nudge = Сиз сурамжылоону баштадыңыз, бирок бүтүргөн жоксуз: тизмеңизде { $count }/{ $max }. Жоопторуңуз эсепке алынды — кааласаңыз, дагы кошуңуз. Улантабызбы?

# review
my-title = <b>Сиздин жоопторуңуз:</b>
# review
my-none = Сиз сурамжылоого али жооп бере элексиз.
# review
my-subscribed = Коомдук угууларга чакыруулар: ооба.
# review
my-not-subscribed = Коомдук угууларга чакыруулар: жок.
# review (ky-review, medium: one term for unsubscribing)
subscribed = Даяр: коомдук угууларга чакырууларды жөнөтөбүз. Жазылууну токтотуу — /stop.
# review
stopped = Даяр: коомдук угууларга чакыруулар мындан ары жөнөтүлбөйт. Жоопторуңуз сакталып турат.

# review
results-title = <b>{ $city }: тургундардын пикири боюнча негизги көйгөйлөр</b>
    Жооп бергендер: { $respondents }.
results-row = { $position }. { $label } — { $percent }%
# review
results-district = <b>{ $district }</b> (жооп бергендер: { $respondents }):
# review
results-district-few = «{ $district }» районунда азырынча { $min } жооптон аз — анын рейтингин кийинчерээк көрсөтөбүз.
# review
results-empty = Азырынча эч ким жооп берген жок — биринчи болуңуз!
# review
results-no-city = Шаарыңызды тандагандан кийин жыйынтыктар көрүнөт.

# review (ky-review, medium: "cannot be undone", not "cannot be given back")
forget-prompt = Бардык маалыматыңызды — жоопторду жана жөндөөлөрдү — өчүрөбүзбү? Өчүрүлгөн маалыматты калыбына келтирүүгө болбойт.
# review
forgotten = Маалыматыңыз өчүрүлдү. Сурамжылоодон кайра өтүү үчүн /start жөнөтүңүз.
# review
forgotten-tap = Маалыматыңыз өчүрүлдү. Сурамжылоодон кайра өтүү үчүн /start жөнөтүңүз.
# review
forget-cancelled = Макул, эч нерсе өчүрүлгөн жок.

# review
help = Бул бот тургундардан шаардын эң маанилүү беш көйгөйүн чогултат.
    /start — баштоо же улантуу
    /my — менин жоопторум
    /edit — жоопторду өзгөртүү: ордун алмаштыруу, башкасына алмаштыруу, тизмеден алуу
    /results — сурамжылоонун жыйынтыктары
    /language — тил (Кыргызча / Русский)
    /stop — чакырууларды жөнөтпөө
    /forget — маалыматымды өчүрүү
    /help — ушул маалымат
# review
unknown-command = /{ $command } буйругу белгисиз.
# review
not-understood = Жообуңузду түшүнгөн жокмун. Баскычты басыңыз же варианттын номерин жазыңыз.
    .wa = Жообуңузду түшүнгөн жокмун. Тизмеден варианттын номерин жазыңыз.
# review
negated-noted = Макул, муну жасабайм. Учурдагы суроо:
# review
stale-button = Бул баскыч эми иштебейт. Учурдагы суроо:
# review
tap-done = Аткарылды.
# review
too-long = Билдирүү өтө узун ({ $length } белги). Сураныч, { $limit } белгиге чейин кыскартыңыз.
# review
media-unsupported = { $kind ->
        [sticker] Стикер үчүн рахмат!
        [photo] Бот азырынча сүрөттү окубайт.
        [voice] Бот азырынча үн билдирүүлөрүн укпайт.
        [video] Бот азырынча видеону көрбөйт.
        [location] Жайгашкан жер бул жерде керек эмес.
        [contact] Ботко байланыштар керек эмес.
       *[other] Бот текстти жана баскычтарды гана түшүнөт.
    } Сураныч, баскыч же текст менен жооп бериңиз.
    .wa = { $kind ->
        [sticker] Стикер үчүн рахмат!
        [photo] Бот азырынча сүрөттү окубайт.
        [voice] Бот азырынча үн билдирүүлөрүн укпайт.
        [video] Бот азырынча видеону көрбөйт.
        [location] Жайгашкан жер бул жерде керек эмес.
        [contact] Ботко байланыштар керек эмес.
       *[other] Бот текстти гана түшүнөт.
    } Сураныч, номер же текст менен жооп бериңиз.

# Buttons ("Даяр", "Башка", "Ооба/Жок" standard; others review)
btn-done = ✅ Даяр
# review
btn-remove-last = ↩️ Акыркысын алып салуу
btn-back = ⬅️ Артка
btn-more = ➡️ Дагы
# review
btn-other-topics = 📂 Башка темалар
# review
btn-retag = 🔁 Башка тема
btn-accept = ✅ Ооба, «{ $label }»
# review
btn-add-all = ➕ Экөөнү тең кошуу
btn-keep-own = 📝 Өз сөзүм менен калтыруу
btn-cancel = ✖️ Жокко чыгаруу
# review
btn-confirm = ✅ Баары туура
btn-add-more = ➕ Дагы кошуу
# review
btn-change-district = 📍 Район
# review
btn-up = ⬆️ Жогору
# review
btn-down = ⬇️ Төмөн
# review
btn-replace = 🔁 Алмаштыруу
# review
btn-remove = 🗑 Тизмеден алуу
btn-subscribe-yes = 🔔 Ооба, жөнөтүңүз
btn-subscribe-no = Жок, рахмат
# "Жоопторду өзгөртүү" proposal in the glossary
btn-edit = ✏️ Өзгөртүү
# review
btn-results = 📊 Жыйынтыктар
btn-subscribe = 🔔 Угууларга жазылуу
# review (ky-review, medium: one term, pairs with «Угууларга жазылуу»)
btn-unsubscribe = 🔕 Жазылууну токтотуу
btn-forget-yes = 🗑 Ооба, баарын өчүрүү
btn-forget-no = Жок, калтыруу
# review
btn-menu = Тандоо

cmd-start = Сурамжылоону баштоо же улантуу
cmd-my = Менин жоопторум
cmd-edit = Жоопторду өзгөртүү
# review
cmd-results = Сурамжылоонун жыйынтыктары
cmd-language = Тил / Язык
cmd-stop = Чакырууларды жөнөтпөө
cmd-forget = Маалыматымды өчүрүү
cmd-help = Жардам
# review (ky-review, medium: "ката кетти")
error-internal = Кечиресиз, ката кетти. Жоопторуңуз жоголгон жок — бир мүнөттөн кийин кайра аракет кылыңыз.

## Working-group summaries (rankings)
# review
summary-title = <b>{ $city }: шаардын көйгөйлөрүнүн рейтинги</b>
# review
summary-title-district = <b>{ $city }, { $district }: көйгөйлөрдүн рейтинги</b>
# review
summary-respondents = Жооп бергендер: { $respondents } { $respondents ->
       *[other] тургун
    }.
# review
summary-empty = Азырынча эч ким жооп берген жок.
summary-row = { $position }. { $label } — { $count } ({ $percent }%) { $movement }
# review
summary-row-weighted = { $position }. { $label } — { $count } ({ $percent }%, райондордун калкын эске алганда { $weighted }%) { $movement }
# review
summary-weighted-note = <i>«Калкын эске алганда» үлүшү райондорду тургундарынын санына жараша салмактайт, активдүү район калгандарын басып кетпеши үчүн.</i>
summary-new = 🆕
summary-same = ＝
summary-up = ▲{ $places }
summary-down = ▼{ $places }
summary-moved = { $movement } ({ $delta })
summary-district = <b>{ $district }</b> ({ $respondents })
# review
summary-no-district = <b>Району көрсөтүлгөн эмес</b> ({ $respondents })
summary-district-row = { $position }. { $label } — { $count }
# review
summary-unplaced = Өз сөзү менен жазылган жана талдоону күтүп жаткан жооптор: { $count } (/review).
# review
summary-changed = Мурунку кыскача маалыматтан бери жаңы же өзгөртүлгөн жооптор: { $count }.
# review
chart-title = { $city }: негизги көйгөйлөр, жооп бергендердин %
# review
chart-note = Жооп бергендер: { $respondents }. Тургундар бешке чейин көйгөй атайт, ошондуктан жалпысы 100%дан ашат.
# review
chart-caption = { $city }: { $day } карата көйгөйлөрдүн рейтинги

## Working-group chats
# review
group-help = Жумушчу топтун буйруктары:
    /bind &lt;шаар&gt; — бул чатты шаардын жумушчу тобуна кошуу (шаардын администраторлору гана)
    /unbind — чатты ажыратуу
    /summary — көйгөйлөрдүн учурдагы рейтинги; /summary &lt;район&gt; — район боюнча
    /review — өз сөзү менен жазылган жоопторду талдоо
    /export — шаардык кеңеш үчүн таблица (XLSX)
    /language — кыскача маалыматтын тили: /language ky же /language ru
    Бот күн сайын белгиленген убакта графиги менен кыскача маалымат жөнөтөт.
# review
group-unknown-city = Мындай шаар табылган жок. Мисалы: /bind karakol (шаарлар: { $cities }).
# review
group-not-admin = Муну бот жөндөөлөрүндөгү шаардын администратору гана жасай алат.
# review
group-bound = Даяр: бул чат — { $city } шаарынын жумушчу тобу. Кыскача маалымат күн сайын келет; азыр — /summary.
# review
group-unbound = Чат { $city } шаарынын жумушчу тобунан ажыратылды. Кыскача маалымат мындан ары келбейт.
# review
group-not-bound = Бул чат азырынча шаарга кошула элек. Шаардын администратору /bind &lt;шаар&gt; деп жаза алат.
# review
group-language-usage = Тилди көрсөтүңүз: /language ky же /language ru.
# review
group-language-set = Даяр: кыскача маалымат кыргыз тилинде болот.
# review
group-unknown-district = Мындай район табылган жок. Райондор: { $districts }.

## Export for the council (column and sheet names)
# review
export-sheet-ranking = Рейтинг
# review
export-sheet-answers = Жооптор
# review
export-sheet-chart = График
# review
export-col-place = Кайда
# review
export-col-position = Орун
# review
export-col-category = Көйгөй
# review
export-col-category-id = Код
# review
export-col-count = Атагандар
# review
export-col-share = Үлүшү
# review
export-col-score = Упай (1-орун = 5)
# review
export-col-low = Үлүшү: 95% төмөнкү чеги
# review
export-col-high = Үлүшү: 95% жогорку чеги
# review
export-col-district = Район
# review
export-col-rank = Тургундун тизмесиндеги орду
# review
export-col-words = Өз сөзү менен
# review
export-col-date = Күнү
# review
export-citywide = Бүт шаар
# review
export-no-district = Району көрсөтүлгөн эмес
# review
export-caption = { $city }: көйгөйлөрдүн рейтинги жана тургундардын жооптору

## Review of free text (working groups)
# review
review-item = <b>Өз сөзү менен жазылган жоопторду талдоо</b> (калды: { $left })
    «{ $text }» — { $count } жооп.
    Муну кайсы темага киргизебиз?
# review
review-empty = Өз сөзү менен жазылган жооптордун баары талданды. Рахмат!
# review
review-done = Даяр: { $count } жооп «{ $label }» темасына киргизилди. Кийинки жолу бот мындай жазууну өзү түшүнөт.
# review
review-kept = «Өз сөзү менен» болуп калды.
# review
review-gone = Бул жазуу талданып бүткөн.
# review
btn-review-all = Бардык темалар…
# review
btn-review-keep = Өз сөзү менен калтыруу
# review
btn-review-skip = Өткөрүп жиберүү

## Public-hearing announcements (what residents receive)
# review
announcement-text = 📢 <b>Коомдук угуулар: { $title }</b>
    Качан: { $date }, { $time }
    Кайда: { $place }
    Күн тартиби: { $agenda }
    Келиңиз — пикириңиз эске алынат. Чакыруулардан баш тартуу: /stop
# review
announcement-reminder = ⏰ <b>Эскертүү: коомдук угуулар — { $title }</b>
    Качан: { $date }, { $time }
    Кайда: { $place }
    Чакыруулардан баш тартуу: /stop

## Composing an announcement (city admins)
# review
cmd-announcements = жакынкы коомдук угуулар
# review
announce-not-admin = Кулактандырууларды шаардын администраторлору гана жөнөтө алат.
# review
announce-ask-city = Кулактандыруу кайсы шаар үчүн?
# review
announce-ask-langs = Кулактандыруу кайсы тилдерде? Тургундар аны өз тилинде алышат.
# review
announce-both-langs = Орусча жана кыргызча
# review
announce-only = Бир гана: { $lang }
# review
announce-ask-title = Угуулардын аталышы ({ $lang }):
# review
announce-ask-when = Угуулардын күнү жана убактысы кк.аа.жжжж сс:мм форматында, мисалы 05.12.2026 15:00:
# review
announce-ask-place = Орду ({ $lang }):
# review
announce-ask-agenda = Күн тартиби ({ $lang }):
# review
announce-ask-at = Качан жөнөтөбүз? Күнү жана убактысы кк.аа.жжжж сс:мм форматында:
# review
announce-ask-reminder = Качан эскертебиз (адатта бир күн мурун)? кк.аа.жжжж сс:мм форматында:
# review
announce-bad-time = Күн түшүнүксүз. Формат: кк.аа.жжжж сс:мм, мисалы 05.12.2026 15:00.
# review
announce-past-time = Бул убакыт өтүп кетти. Келечектеги убакытты көрсөтүңүз.
# review
announce-after-hearing = Жөнөтүү жана эскертүү угуулардан мурун болушу керек.
# review
announce-too-long = Өтө узун: { $limit } белгиден ашпашы керек.
# review
announce-preview-head = <b>Тургундар кулактандырууну мындай көрүшөт:</b>
# review
announce-recipients = Азыр алуучулар: Telegram — { $tg }, WhatsApp — { $wa }.
# review
announce-when-now = Жөнөтүү: ырастагандан кийин дароо.
# review
announce-when-at = Жөнөтүү: { $at }.
# review
announce-when-reminder = Эскертүү: { $at }.
# review
announce-btn-send-now = ✅ Азыр жөнөтүү
# review
announce-btn-confirm = ✅ Ырастоо
# review
announce-btn-schedule = 🕒 Кийинчерээк жөнөтүү
# review
announce-btn-reminder = ⏰ Эскертүү кошуу
# review
announce-btn-edit = ✏️ Текстти өзгөртүү
# review
announce-sending = Даяр: кулактандыруу жөнөтүлүүдө. Кабарлар — /announcements.
# review
announce-scheduled = Даяр: кулактандыруу { $at } жөнөтүлөт.
# review
announce-cancelled = Кулактандыруу жокко чыгарылды, эч нерсе жөнөтүлгөн жок.
announcements-list = { $list }
# review
announcements-none = Жакынкы коомдук угуулар азырынча жок.
announcements-item = • <b>{ $title }</b> — { $date }, { $time }, { $place }
# review
broadcast-progress = 📤 Жөнөтүү жүрүүдө: жөнөтүлдү { $sent }, жеткирилген жок { $failed }, калды { $left } (секундасына { $rate }, дагы ~{ $minutes } мүн).
# review
broadcast-done = ✅ Жөнөтүү бүттү: жөнөтүлдү { $sent }, жеткирилген жок { $failed }, өткөрүлдү { $skipped } (баш тарткандар же WhatsApp шаблону жок).
# review
announce-bad-order = Убакыттар туура эмес: тартиби: жөнөтүү → эскертүү → угуулар, баары келечекте болушу керек. Жөнөтүү жана эскертүү убактысы өчүрүлдү, кайра коюңуз.
