# Resident survey, Kyrgyz. HTML allowed: <b>, <i>. Arguments are escaped by the channel.
# Terms from ../shared/domain/glossary-ru-ky.md where attested; lines marked "review" are our
# own wording and await a native speaker. Names stand alone ("Шаар: Каракол") so no case
# ending is glued onto an interpolated name.

language-prompt = Саламатсызбы! Здравствуйте!
    Тилди тандаңыз / Выберите язык:
# review
language-changed = Тил: кыргызча.
# review
intro = Саламатсызбы! Бул мэриянын сурамжылоосу: <b>шаардын эң маанилүү беш көйгөйүн</b> атаңыз — жумушчу топ (мэрия, депутаттар, ӨЭУ) жалпы рейтингди күн сайын көрөт.
    Жооптор анонимдүү, сурамжылоо эки-үч мүнөткө созулат. Баскычтар менен жооп бериңиз же текст жазыңыз.
# review
city-prompt = Шаарыңызды тандаңыз:
# review ("кичи район" attested, МАБ attested)
district-prompt = Шаар: { $city }. Районуңузду (МАБ) тандаңыз:
btn-district-unknown = Билбейм
# review
btn-change-city = Башка шаар

# review
problems-prompt = { $count ->
        [0] Шаардын эң маанилүү беш көйгөйүн атаңыз, эң маанилүүсүнөн баштаңыз. { $max } көйгөйдүн { $next }-си:
        [5] Сиздин тизме:
       *[other] Сиздин тизме ({ $count }/{ $max }):
    }
# review
problems-hint = Теманы баскыч менен тандаңыз же көйгөйдү өз сөзүңүз менен жазыңыз.
# review
problems-hint-more = { $next }-көйгөйдү кошуңуз — баскыч менен же өз сөзүңүз менен. Канчалык көп көйгөй атасаңыз (бешке чейин), рейтинг ошончолук так болот.
problem-line = { $n }. { $label }
problem-line-typed = { $n }. { $label } — «{ $text }»
# review
problem-line-own = { $n }. «{ $text }» (өз сөзүңүз менен)
# review
group-prompt = <b>{ $group }</b>: { $next }-көйгөйдү тандаңыз:
# review
problem-added = Кошулду: <b>{ $label }</b>.
# review
problem-duplicate = «{ $label }» тизмеңизде мурунтан эле бар.
# review
problem-removed = Өчүрүлдү: { $label }.
# review
problems-cleared = Тизме тазаланды, кайра баштайлы.
# review
problems-full = Тизмеде { $max } көйгөй бар — мындан көп кошууга болбойт.

# review
suggest-one = Сиз жаздыңыз: «{ $text }».
    Бул <b>{ $label }</b> темасына окшойт. Туурабы?
# review
suggest-many = Сиз жаздыңыз: «{ $text }».
    Бул кайсы темага тиешелүү?
# review
suggest-two = Сиз жаздыңыз: «{ $text }».
    Бул жерде эки көйгөй окшойт. Экөөнү тең кошуңуз же бирөөнү тандаңыз:
# review
suggest-none = Сиз жаздыңыз: «{ $text }».
    Ылайыктуу тема табылган жок. Өз сөзүңүз менен сактайлыбы?

# review
review-title = <b>Жоопторуңузду текшериңиз:</b>
answer-city = Шаар: { $city }
answer-district = Район: { $district }
# review
answer-district-unknown = Район: көрсөтүлгөн жок
# Kyrgyz nouns stay singular after a numeral: one form for every count.
# review
review-can-add = Сиз { $count } көйгөй атадыңыз (эң көбү { $max }). Дагы кошсоңуз болот.
# near-attested
saved = Рахмат, жоопторуңуз сакталды.
# review ("Коомдук угуу" proposal in the glossary)
subscribe-prompt = Шаардын өнүгүү программасы жана бюджети боюнча коомдук угууларга чакырууларды сизге жөнөтөлүбү? Жылына бир нече жолудан көп эмес.
# review
thanks = { $subscribed ->
        [yes] Коомдук угууларга чакыруу алууга жазылдыңыз.
       *[no] Коомдук угууларга чакыруулар жөнөтүлбөйт.
    }
    /my — жоопторду көрүү, /edit — жоопторду өзгөртүү. Шаарга жардам бергениңиз үчүн рахмат!
# review
already-answered = Сиз буга чейин жооп бергенсиз — рахмат! Жоопторду көрүп же өзгөртө аласыз.
# review
welcome-back = Кайра кош келиңиз!
# review
continue = Токтогон жерден улантабыз.

# review
my-title = <b>Сиздин жоопторуңуз:</b>
# review
my-none = Сиз сурамжылоого али жооп бере элексиз.
# review
my-subscribed = Коомдук угууларга чакыруулар: ооба.
# review
my-not-subscribed = Коомдук угууларга чакыруулар: жок.
# review
subscribed = Даяр: коомдук угууларга чакырууларды жөнөтөбүз. Баш тартуу — /stop.
# review
stopped = Даяр: коомдук угууларга чакыруулар мындан ары жөнөтүлбөйт. Жоопторуңуз сакталып турат.

# review
forget-prompt = Бардык маалыматыңызды — жоопторду жана жөндөөлөрдү — өчүрөбүзбү? Муну кайтарууга болбойт.
# review
forgotten = Маалыматыңыз өчүрүлдү. Сурамжылоодон кайра өтүү үчүн /start жөнөтүңүз.
# review
forget-cancelled = Макул, эч нерсе өчүрүлгөн жок.

# review
help = Бул бот тургундардан шаардын эң маанилүү беш көйгөйүн чогултат.
    /start — баштоо же улантуу
    /my — менин жоопторум
    /edit — жоопторду өзгөртүү
    /language — тил (Кыргызча / Русский)
    /stop — чакырууларды жөнөтпөө
    /forget — маалыматымды өчүрүү
    /help — ушул маалымат
# review
unknown-command = /{ $command } буйругу белгисиз.
# review
not-understood = Жообуңузду түшүнгөн жокмун. Баскычты басыңыз же варианттын номерин жазыңыз.
# review
negated-noted = Макул, муну жасабайм. Учурдагы суроо:
# review
stale-button = Бул баскыч эми иштебейт. Учурдагы суроо:
# review
too-long = Билдирүү өтө узун ({ $length } белги). Сураныч, { $limit } белгиге чейин кыскартыңыз.
# review
media-unsupported = { $kind ->
        [sticker] Стикер үчүн рахмат!
        [photo] Бот азырынча сүрөттү окубайт.
        [voice] Бот азырынча үн билдирүүлөрүн укпайт.
        [video] Бот азырынча видеону көрбөйт.
        [location] Бот жайгашкан жерди колдонбойт.
        [contact] Ботко байланыштар керек эмес.
       *[other] Бот текстти жана баскычтарды гана түшүнөт.
    } Сураныч, баскыч же текст менен жооп бериңиз.

# Buttons ("Даяр", "Башка", "Ооба/Жок" standard; others review)
btn-done = ✅ Даяр
btn-remove-last = ↩️ Акыркысын өчүрүү
btn-restart = 🔄 Тизмени кайра баштоо
btn-back = ⬅️ Артка
btn-more = ➡️ Дагы
btn-accept = ✅ Ооба, «{ $label }»
# review
btn-add-all = ➕ Экөөнү тең кошуу
btn-keep-own = 📝 Өз сөзүм менен калтыруу
btn-cancel = ✖️ Жокко чыгаруу
btn-confirm = ✅ Баары туура, сактоо
btn-add-more = ➕ Дагы кошуу
btn-change-problems = ✏️ Көйгөйлөрдү өзгөртүү
btn-change-district = 📍 Районду өзгөртүү
btn-subscribe-yes = 🔔 Ооба, жөнөтүңүз
btn-subscribe-no = Жок, рахмат
# "Жоопторду өзгөртүү" proposal in the glossary
btn-edit = ✏️ Жоопторду өзгөртүү
btn-subscribe = 🔔 Угууларга жазылуу
# "Жазылуудан баш тартуу" weak in the glossary
btn-unsubscribe = 🔕 Жазылуудан баш тартуу
btn-forget-yes = 🗑 Ооба, баарын өчүрүү
btn-forget-no = Жок, калтыруу

cmd-start = Сурамжылоону баштоо же улантуу
cmd-my = Менин жоопторум
cmd-edit = Жоопторду өзгөртүү
cmd-language = Тил / Язык
cmd-stop = Чакырууларды жөнөтпөө
cmd-forget = Маалыматымды өчүрүү
cmd-help = Жардам
# review
error-internal = Кечиресиз, бир нерсе туура эмес болуп калды. Жоопторуңуз жоголгон жок — бир мүнөттөн кийин кайра аракет кылыңыз.

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
