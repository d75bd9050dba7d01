# Resident survey, Kyrgyz. HTML allowed: <b>, <i>. Arguments are escaped by the channel.
# Terms from ../shared/domain/glossary-ru-ky.md where attested; lines marked "review" are our
# own wording and await a native speaker. Names stand alone ("Шаар: Каракол") so no case
# ending is glued onto an interpolated name. A `.wa` attribute is the WhatsApp wording (no
# buttons there: residents type a number or words); a `.short` attribute is a button's label
# for WhatsApp lists and quick replies (at most 20 characters; typed, it means the same).
# Terminology (one term each, see ../shared/domain/ky-review.md): коомдук угуу (one hearing),
# коомдук угуулар (hearings in general); шаарды өнүктүрүү программасы; жазылууну токтотуу
# (unsubscribe); өтүүчү жери (venue); кыскача маалымат (the working group's daily summary);
# өз сөзүңүз менен (to the resident) / өз сөзү менен (about residents' answers).

language-prompt = Саламатсызбы! Здравствуйте!
    Тилди тандаңыз / Выберите язык:
language-changed = Тил: кыргызча.
# review (ky-review: the "anonymous" claim was not true; this says what is)
intro = Саламатсызбы! Бул мэриянын сурамжылоосу: <b>шаардын эң маанилүү беш көйгөйүн</b> атаңыз — жумушчу топ (мэрия, депутаттар, ӨЭУ) жалпы рейтингди күн сайын көрөт. Атыңыз, номериңиз жана аккаунтуңуз эч кимге көрсөтүлбөйт жана отчётторго кирбейт.
# review
preset-place = Шаар: { $city }, район: { $district } (шилтеме боюнча; аягында өзгөртсөңүз болот).
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
# review ("Сиздин районуңуз", with the possessive, as "Сиздин тизмеңиз")
district-located = Сиздин районуңуз: <b>{ $district }</b>.
# review
location-outside = Бул жер шаардын эч бир районуна кирбейт. Районду тизмеден тандаңыз.
btn-district-unknown = Билбейм
btn-change-city = Башка шаар
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
problem-line-own = { $n }. «{ $text }» (өз сөзүңүз менен)
# review ("бөлүм" for a group of topics)
groups-prompt = Бардык темалар: бөлүмдү тандаңыз.
    .wa = Бардык темалар: бөлүмдүн номерин жазыңыз.
group-prompt = <b>{ $group }</b>: көйгөйдү тандаңыз.
    .wa = <b>{ $group }</b>: көйгөйдүн номерин жазыңыз.
# review
replace-prompt = «{ $label }» ордуна эмне коёлу? Теманы тандаңыз же өз сөзүңүз менен жазыңыз.
    .wa = «{ $label }» ордуна эмне коёлу? Теманын номерин жазыңыз же көйгөйдү өз сөзүңүз менен жазыңыз.
pending-words = Сиздин сөздөрүңүз: «{ $text }».
problem-added = Кошулду: <b>{ $label }</b> ({ $count }/{ $max }).
problem-added-typed = Кошулду: <b>{ $label }</b> — «{ $text }» ({ $count }/{ $max }).
problem-duplicate = «{ $label }» тизмеңизде мурунтан эле бар.
# review
problems-dropped = Шаар: { $city }. Бул шаарда мындай темалар жок: { $labels } — алар тизмеңизден алынды.
# review (ky-review, low: "Тизмеден алынды" = taken off the list)
problem-removed = Тизмеден алынды: { $label }.
problem-replaced = Алмаштырылды: { $old } → <b>{ $new }</b>.
problem-moved = «{ $label }» эми { $n }-орунда.
problems-full = Тизмеде { $max } көйгөй бар — мындан көп кошууга болбойт.
# review
thanks-reply = Сизге рахмат! Улантабыз — көйгөйдү баскыч менен же өз сөзүңүз менен атаңыз.
    .wa = Сизге рахмат! Улантабыз — көйгөйдү номери менен же өз сөзүңүз менен атаңыз.
# review
greeting = Саламатсызбы! Шаардын көйгөйүн атаңыз — баскыч менен же өз сөзүңүз менен.
    .wa = Саламатсызбы! Шаардын көйгөйүн атаңыз — номери менен же өз сөзүңүз менен.


# review
own-saved = Өз сөзүңүз менен сакталды: «{ $text }» ({ $count }/{ $max }).
# review
own-one = Бул <b>{ $label }</b> темасына окшойт. Ошого белгилейлиби?
# review
own-many = Бул темалардын бири туура келсе — тандаңыз:
# review
own-none = Ылайыктуу тема табылган жок — ушундай калтыралы, же теманы өзүңүз тандаңыз.
# review
retag-ask = «{ $text }» азыр <b>{ $label }</b> темасында. Башкасын тандаңыз:
# review
also-ask = Бул жерде дагы бир көйгөй бар окшойт: <b>{ $label }</b>. Аны да кошобузбу?
# review
problem-placed = Тема: <b>{ $label }</b> — «{ $text }».
# review
problem-kept-own = Өз сөзүңүз менен калтырылды: «{ $text }» ({ $count }/{ $max }).
problems-added = Кошулду: <b>{ $labels }</b> ({ $count }/{ $max }).
# review
btn-also = ➕ Ооба, { $label } да
    .short = ➕ Ооба, кошуу
# review
btn-only-one = Жок, бирөө гана
btn-keep-as-is = ✅ Ушундай калтыруу
# review
btn-own-words = 📝 Өз сөзүм менен
# review
btn-not-a-problem = ✖️ Бул көйгөй эмес

# review
review-title = <b>Тизмеңиз сакталды жана рейтингге кошулду.</b> Текшерип чыгыңыз:
# review
review-hint = Көйгөйдү жогору же төмөн жылдыруу, алмаштыруу же тизмеден алуу үчүн аны басыңыз.
    .wa = Көйгөйдү жогору же төмөн жылдыруу, алмаштыруу же тизмеден алуу үчүн анын номерин жазыңыз.
answer-city = Шаар: { $city }
answer-district = Район: { $district }
answer-district-unknown = Район: көрсөтүлгөн жок
# Kyrgyz nouns stay singular after a numeral: one form for every count.
# review
review-can-add = Сиз { $count } көйгөй атадыңыз (эң көбү { $max }). Дагы кошсоңуз болот.
item-button = { $n }. { $label }
item-prompt = Көйгөй { $n }: <b>{ $label }</b>. Аны менен эмне кылабыз?
# near-attested
saved = Рахмат, жоопторуңуз сакталды.
# review (ky-review, high: the official name of the programme, attested:
# https://www.oshto.kg/news/3572069/os-saarynyn-2023-2026-zylga-karata-nktr-programmasy-bekitildi)
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
welcome-back = Кайра кош келиңиз!
continue = Токтогон жерден улантабыз.
# review
nudge = Сиз сурамжылоону баштадыңыз, бирок бүтүргөн жоксуз: тизмеңизде { $count }/{ $max }. Жоопторуңуз эсепке алынды — кааласаңыз, дагы кошуңуз. Улантабызбы?

my-title = <b>Сиздин жоопторуңуз:</b>
my-none = Сиз сурамжылоого али жооп бере элексиз.
my-subscribed = Коомдук угууларга чакыруулар: ооба.
my-not-subscribed = Коомдук угууларга чакыруулар: жок.
# review (ky-review, medium: one term for unsubscribing)
subscribed = Даяр: коомдук угууларга чакырууларды жөнөтөбүз. Жазылууну токтотуу — /stop.
stopped = Даяр: коомдук угууларга чакыруулар мындан ары жөнөтүлбөйт. Жоопторуңуз сакталып турат.

results-title = <b>{ $city }: тургундардын пикири боюнча негизги көйгөйлөр</b>
    Жооп бергендер: { $respondents }.
results-row = { $position }. { $label } — { $percent }%
results-district = <b>{ $district }</b> (жооп бергендер: { $respondents }):
# review
results-few = Азырынча { $min } тургундан аз жооп берди — рейтингди алар көбөйгөндө көрсөтөбүз.
# review
results-own-words = Азырынча бардык жооптор өз сөзү менен жазылган; жумушчу топ аларды темаларга бөлүп жатат.
# review
results-district-few = «{ $district }» районунун рейтингин райондордо көбүрөөк тургун жооп бергенде көрсөтөбүз (ар биринде { $min } кем эмес).
results-empty = Азырынча эч ким жооп берген жок — биринчи болуңуз!
results-no-city = Шаарыңызды тандагандан кийин жыйынтыктар көрүнөт.

# review (ky-review, medium: "cannot be undone", not "cannot be given back")
forget-prompt = Бардык маалыматыңызды — жоопторду жана жөндөөлөрдү — өчүрөбүзбү? Өчүрүлгөн маалыматты калыбына келтирүүгө болбойт.
forgotten = Маалыматыңыз өчүрүлдү. Сурамжылоодон кайра өтүү үчүн /start жөнөтүңүз.
forgotten-tap = Маалыматыңыз өчүрүлдү. Сурамжылоодон кайра өтүү үчүн /start жөнөтүңүз.
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
unknown-command = /{ $command } буйругу белгисиз.
# review: new sentence (whoami), needs a native speaker's check
whoami = Сиздин номериңиз (id): { $id }
    Администратордун же жумушчу топтун укугун берүү үчүн аны шаардын файлына жазышат.
not-understood = Жообуңузду түшүнгөн жокмун. Баскычты басыңыз же варианттын номерин жазыңыз.
    .wa = Жообуңузду түшүнгөн жокмун. Тизмеден варианттын номерин жазыңыз.
negated-noted = Макул, муну жасабайм. Учурдагы суроо:
stale-button = Бул баскыч эми иштебейт. Учурдагы суроо:
# review (RU «Уже сделано»: "already", not just "done")
tap-done = Бул буга чейин аткарылган.
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

# Buttons: plain words ("Даяр", "Башка", "Ооба/Жок" standard). The `.short` forms are ours.
btn-done = ✅ Даяр
# review (.short)
btn-remove-last = ↩️ Акыркысын алып салуу
    .short = ↩️ Акыркысын өчүрүү
btn-back = ⬅️ Артка
btn-more = ➡️ Дагы
btn-other-topics = 📂 Башка темалар
btn-retag = 🔁 Башка тема
# review (.short answers "Туурабы?")
btn-accept = ✅ Ооба, «{ $label }»
    .short = ✅ Ооба, туура
btn-cancel = ✖️ Жокко чыгаруу
btn-confirm = ✅ Баары туура
btn-add-more = ➕ Дагы кошуу
btn-change-district = 📍 Район
btn-up = ⬆️ Жогору
btn-down = ⬇️ Төмөн
btn-replace = 🔁 Алмаштыруу
btn-remove = 🗑 Тизмеден алуу
btn-subscribe-yes = 🔔 Ооба, жөнөтүңүз
btn-subscribe-no = Жок, рахмат
# "Жоопторду өзгөртүү" proposal in the glossary
btn-edit = ✏️ Өзгөртүү
btn-results = 📊 Жыйынтыктар
# review ("угуулар" without "коомдук" in a short button: ky-review)
btn-subscribe = 🔔 Угууларга жазылуу
    .short = 🔔 Угууларга жазылуу
# review (ky-review, medium: one term, pairs with «Угууларга жазылуу»; the same term is
# in the Kyrgyz UI strings of several public apps, no official page found)
btn-unsubscribe = 🔕 Жазылууну токтотуу
    .short = Жазылууну токтотуу
# review (.short)
btn-forget-yes = 🗑 Ооба, баарын өчүрүү
    .short = 🗑 Баарын өчүрүү
btn-forget-no = Жок, калтыруу
btn-menu = Тандоо

cmd-start = Сурамжылоону баштоо же улантуу
cmd-my = Менин жоопторум
cmd-edit = Жоопторду өзгөртүү
cmd-results = Сурамжылоонун жыйынтыктары
cmd-language = Тил / Язык
cmd-stop = Чакырууларды жөнөтпөө
cmd-forget = Маалыматымды өчүрүү
cmd-help = Жардам
# «Кечиресиз, ката кетти» is the usual Kyrgyz interface wording for an error (ky-review.md)
error-internal = Кечиресиз, ката кетти. Жоопторуңуз жоголгон жок — бир мүнөттөн кийин кайра аракет кылыңыз.

## Working-group summaries (rankings)
summary-title = <b>{ $city }: шаардын көйгөйлөрүнүн рейтинги</b>
summary-title-district = <b>{ $city }, { $district }: көйгөйлөрдүн рейтинги</b>
summary-respondents = Жооп бергендер: { $respondents } { $respondents ->
       *[other] тургун
    }.
summary-empty = Азырынча эч ким жооп берген жок.
# review
summary-own-only = Азырынча бардык жооптор өз сөзү менен: аларды темаларга бөлүңүз (/review).
summary-row = { $position }. { $label } — { $count } ({ $percent }%) { $movement }
# review
summary-row-weighted = { $position }. { $label } — { $count } ({ $percent }%, райондордун калкын эске алганда { $weighted }%) { $movement }
# review (ky-review, medium: says what is computed and why, not "the share weighs districts")
summary-weighted-note = <i>«Калкын эске алганда» деген үлүштө ар бир райондун салмагы анын тургундарынын санына жараша эсептелет: ошондо активдүү район калгандарын басып кетпейт.</i>
summary-new = 🆕
summary-same = ＝
summary-up = ▲{ $places }
summary-down = ▼{ $places }
summary-moved = { $movement } ({ $delta })
summary-district = <b>{ $district }</b> ({ $respondents })
summary-no-district = <b>Району көрсөтүлгөн эмес</b> ({ $respondents })
summary-district-row = { $position }. { $label } — { $count }
# review ("талдоо" for the review of own words)
summary-unplaced = Өз сөзү менен жазылган жана талдоону күтүп жаткан жооптор: { $count } (/review).
# review ("кыскача маалымат" for the daily summary, used throughout)
summary-changed = Мурунку кыскача маалыматтан бери жаңы же өзгөртүлгөн жооптор: { $count }.
chart-title = { $city }: негизги көйгөйлөр, жооп бергендердин %
# review (ky-review, medium: 3pl "аташат", "пайыздардын суммасы")
chart-note = Жооп бергендер: { $respondents }. Тургундар бешке чейин көйгөй аташат, ошондуктан пайыздардын суммасы 100%дан ашат.
# A bare date before "карата" is the official style (Kara-Balta council: «01.11.2018 карата»,
# https://gorkenesh.from.kg/?page_id=3764&lang=kg)
chart-caption = { $city }: { $day } карата көйгөйлөрдүн рейтинги

## Working-group chats
# review (ky-review, low: "(темаларга киргизүү)" and "өзү" as in Russian)
group-help = Жумушчу топтун буйруктары:
    /bind &lt;шаар&gt; — бул чатты шаардын жумушчу тобуна кошуу (шаардын администраторлору гана)
    /unbind — чатты ажыратуу (администраторлор)
    /summary — көйгөйлөрдүн учурдагы рейтинги; /summary &lt;район&gt; — район боюнча
    /review — өз сөзү менен жазылган жоопторду талдоо (администраторлор жана жөндөөлөрдөгү рецензенттер)
    /export — шаардык кеңеш үчүн таблица (XLSX; администраторлор жана рецензенттер)
    /language — кыскача маалыматтын тили: /language ky же /language ru (администраторлор жана рецензенттер)
    Бот күн сайын белгиленген убакта графиги менен кыскача маалыматты өзү жөнөтөт.
# review (ky-review, low: the command gets its verb)
group-unknown-city = Мындай шаар табылган жок. Мисалы, мындай жазыңыз: /bind karakol (шаарлар: { $cities }).
# review
group-not-admin = Муну бот жөндөөлөрүндөгү шаардын администратору гана жасай алат.
# review
group-not-allowed = Муну бот жөндөөлөрүндөгү шаардын администраторлору жана жумушчу топтун рецензенттери гана жасай алат: тургундардын жоопторун алар гана көрөт.
# review
group-bound-elsewhere = Бул чат — { $city } шаарынын жумушчу тобу. Аны башка шаарга { $city } шаарынын администратору гана өткөрө алат (же адегенде /unbind).
# review
group-bound = Даяр: бул чат — { $city } шаарынын жумушчу тобу. Кыскача маалымат күн сайын келет; азыр — /summary.
# review
group-unbound = Чат { $city } шаарынын жумушчу тобунан ажыратылды. Кыскача маалымат мындан ары келбейт.
# review
group-not-bound = Бул чат азырынча шаарга кошула элек. Шаардын администратору /bind &lt;шаар&gt; деп жаза алат.
group-language-usage = Тилди көрсөтүңүз: /language ky же /language ru.
# review
group-language-set = Даяр: кыскача маалымат кыргыз тилинде болот.
group-unknown-district = Мындай район табылган жок. Райондор: { $districts }.

## Export for the council (column and sheet names)
export-sheet-ranking = Рейтинг
export-sheet-answers = Жооптор
export-sheet-chart = График
export-col-place = Кайда
export-col-position = Орун
export-col-category = Көйгөй
export-col-category-id = Код
export-col-count = Атагандар
export-col-share = Үлүшү
export-col-score = Упай (1-орун = 5)
# review (statistics wording)
export-col-low = Үлүшү: 95% төмөнкү чеги
# review (statistics wording)
export-col-high = Үлүшү: 95% жогорку чеги
export-col-district = Район
export-col-rank = Тургундун тизмесиндеги орду
export-col-words = Өз сөзү менен
export-col-date = Күнү
export-citywide = Бүт шаар
export-no-district = Району көрсөтүлгөн эмес
export-caption = { $city }: көйгөйлөрдүн рейтинги жана тургундардын жооптору
# review
export-too-big = Жооптор файлы { $limit } МБдан чоң болуп калды, Telegram боттордон мындай чоңдуктагы файлдарды кабыл албайт. Аны жумушчу топтун баракчасынан жүктөп алыңыз же операторго citybot export буйругу менен чыгарып берүүнү сураныңыз.

## Review of free text (working groups)
# review
review-item = <b>Өз сөзү менен жазылган жоопторду талдоо</b> (калды: { $left })
    «{ $text }» — { $count } жооп.
    Муну кайсы темага киргизебиз?
review-empty = Өз сөзү менен жазылган жооптордун баары талданды. Рахмат!
# review
review-done = Даяр: { $count } жооп «{ $label }» темасына киргизилди. Кийинки жолу бот мындай жазууну өзү түшүнөт.
# review (ky-review, medium: "… катары калтырылды" = "left as …")
review-kept = «Өз сөзү менен» катары калтырылды.
review-gone = Бул жазуу талданып бүткөн.
btn-review-all = Бардык темалар…
# review (.short)
btn-review-keep = Өз сөзү менен калтыруу
    .short = Өз сөзү менен
btn-review-skip = Өткөрүп жиберүү

## Public-hearing announcements (what residents receive)
# review (ky-review, medium: one event is singular «коомдук угуу», as in
# https://24.kg/kyrgyzcha/363903_byiyyil_oshshaaryinyin_byudjeti_18_milliard_somgo_koboyot/;
# the unsubscribe term unified)
announcement-text = 📢 <b>Коомдук угуу: { $title }</b>
    Качан: { $date }, { $time }
    Кайда: { $place }
    Күн тартиби: { $agenda }
    Келиңиз — пикириңиз эске алынат. Жазылууну токтотуу: /stop
# review (ky-review, medium: as announcement-text)
announcement-reminder = ⏰ <b>Эскертүү: коомдук угуу — { $title }</b>
    Качан: { $date }, { $time }
    Кайда: { $place }
    Жазылууну токтотуу: /stop

## Composing an announcement (city admins)
# Plural for hearings in general, as in
# https://24.kg/kyrgyzcha/355736_bishkektin_bashkyi_planyinyin_dolbooru_boyuncha_koomduk_uguular_otot/
cmd-announcements = жакынкы коомдук угуулар
announce-not-admin = Кулактандырууларды шаардын администраторлору гана жөнөтө алат.
announce-ask-city = Кулактандыруу кайсы шаар үчүн?
announce-ask-langs = Кулактандыруу кайсы тилдерде? Тургундар аны өз тилинде алышат.
announce-both-langs = Орусча жана кыргызча
    .short = Орусча жана кыргызча
# review (ky-review, low: «Бир гана: Кыргызча» read "only one: Kyrgyz"; .short ours)
announce-only = Бир гана тилде: { $lang }
    .short = { $lang } гана
# review (ky-review, medium: one event, "угуунун")
announce-ask-title = Угуунун аталышы ({ $lang }):
# review (ky-review, medium: one event; the date-format letters are ours)
announce-ask-when = Угуунун күнү жана убактысы кк.аа.жжжж сс:мм форматында, мисалы 05.12.2026 15:00:
# The glossary's venue term; Kyrgyz event pages label the venue «Өтүүчү жери:»
announce-ask-place = Өтүүчү жери ({ $lang }):
announce-ask-agenda = Күн тартиби ({ $lang }):
# review (the date-format letters are ours)
announce-ask-at = Качан жөнөтөбүз? Күнү жана убактысы кк.аа.жжжж сс:мм форматында:
# review (ky-review, low: "Күнү жана убактысы" as in announce-ask-at)
announce-ask-reminder = Качан эскертебиз (адатта бир күн мурун)? Күнү жана убактысы кк.аа.жжжж сс:мм форматында:
# review (ky-review, low)
announce-bad-time = Күн менен убакытты түшүнгөн жокмун. Формат: кк.аа.жжжж сс:мм, мисалы 05.12.2026 15:00.
announce-past-time = Бул убакыт өтүп кетти. Келечектеги убакытты көрсөтүңүз.
# review (ky-review, medium: one event, "угуудан мурун")
announce-after-hearing = Жөнөтүү жана эскертүү угуудан мурун болушу керек.
announce-too-long = Өтө узун: { $limit } белгиден ашпашы керек.
# review
announce-missing-text = Текст жетишпейт: { $fields }.
# review
operator-unknown-city = Мындай шаар табылган жок: { $city }.
announce-preview-head = <b>Тургундар кулактандырууну мындай көрүшөт:</b>
# review (ky-review, low: a count, "азыркы саны")
announce-recipients = Алуучулардын азыркы саны: Telegram — { $tg }, WhatsApp — { $wa }.
announce-when-now = Жөнөтүү: ырастагандан кийин дароо.
announce-when-at = Жөнөтүү: { $at }.
announce-when-reminder = Эскертүү: { $at }.
announce-btn-send-now = ✅ Азыр жөнөтүү
announce-btn-confirm = ✅ Ырастоо
# review (.short)
announce-btn-schedule = 🕒 Кийинчерээк жөнөтүү
    .short = 🕒 Кийинчерээк
# review (.short)
announce-btn-reminder = ⏰ Эскертүү кошуу
    .short = ⏰ Эскертүү
announce-btn-edit = ✏️ Текстти өзгөртүү
# review (ky-review, high: «Кабарлар» meant "news"; RU «Ход рассылки» = the progress)
announce-sending = Даяр: кулактандыруу жөнөтүлүп жатат. Жөнөтүүнүн жүрүшү — /announcements.
announce-scheduled = Даяр: кулактандыруу { $at } жөнөтүлөт.
announce-cancelled = Кулактандыруу жокко чыгарылды, эч нерсе жөнөтүлгөн жок.
announcements-list = { $list }
announcements-none = Жакынкы коомдук угуулар азырынча жок.
announcements-item = • <b>{ $title }</b> — { $date }, { $time }, { $place }
# review (ky-review, medium: "жүрүп жатат", a dash between each label and its number)
broadcast-progress = 📤 Жөнөтүү жүрүп жатат: жөнөтүлдү — { $sent }, жеткирилбеди — { $failed }, калды — { $left } (секундасына { $rate }, дагы ~{ $minutes } мүн.).
# review (ky-review, high: «өткөрүлдү» meant "was held"; "skipped" is «өткөрүлүп жиберилди»)
broadcast-done = ✅ Жөнөтүү бүттү: жөнөтүлдү — { $sent }, жеткирилбеди — { $failed }, өткөрүлүп жиберилди — { $skipped } (жазылууну токтоткондор же WhatsApp шаблону жок).
# review (ky-review, medium: one colon, a verb for the order, "тазаланды" = cleared)
announce-bad-order = Убакыттар дал келбейт: тартиби жөнөтүү → эскертүү → угуу болушу керек, баары келечекте. Жөнөтүү жана эскертүү убактысы тазаланды, аларды кайра көрсөтүңүз.
