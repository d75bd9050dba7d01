# The working group's desk (web pages, bot/desk). Our Kyrgyz wording, "жумушчу топ",
# "көйгөйлөрдүн рейтинги", "шаардык" from the glossary; the rest is a proposal.
# review
desk-title = Жумушчу топтун иш столу
desk-lang-switch = Русский
desk-logout = Чыгуу
desk-back = Шаарлардын тизмесине
# review
desk-login-heading = Жумушчу топ үчүн кирүү
# review
desk-login-intro = Telegram аркылуу кириңиз. Кирүү шаардын администраторлоруна жана анын жумушчу тобунун мүчөлөрүнө ачык; ар ким өз шаарларын гана көрөт.
# review
desk-login-no-bot = Telegram аркылуу кирүү азырынча жеткиликсиз: бот Telegramга азырынча туташа элек. Бир мүнөттөн кийин баракчаны жаңылаңыз.
# review
desk-login-privacy = Биз Telegram колдонуучу номериңизди гана сактайбыз — кирип турган убакытка.
# review
desk-forbidden = Кирүү жабык: сиз шаардын администратору да, жумушчу тобунун мүчөсү да эмессиз. Ката болсо, администратордон сизди шаардын файлына кошуусун сураңыз.
# review
desk-forbidden-city = Бул шаар сизге жеткиликсиз: анда сиздин ролуңуз жок.
# review
desk-forbidden-part = Бул бөлүм шаардын администраторлоруна жана текшерүүчүлөрүнө гана ачык.
# review
desk-login-invalid = Кирүү шилтемеси текшерүүдөн өткөн жок же эскирип калды (ал бир сутка жарактуу). Telegram аркылуу кайра кириңиз.
# review
desk-too-many = Кирүү аракеттери өтө көп. Бир мүнөт күтүп, кайра аракет кылыңыз.
# review
desk-csrf = Форма эскирип калган же бул баракчадан келген эмес. Баракчаны жаңылап, кайталаңыз.
desk-try-again = Кайра кирүү
desk-choose-city = Шаарды тандаңыз
desk-nav-ranking = Рейтинг
# review
desk-nav-review = Жоопторду иргөө
# review
desk-nav-announcements = Кулактандыруулар
desk-nav-export-xlsx = XLSX жүктөп алуу
desk-nav-export-csv = CSV жүктөп алуу
# review
desk-generated = Маалымат { $when } боюнча
desk-respondents = Жооп бергендер: { $count } тургун
desk-empty = Азырынча жооп жок.
# review
desk-unplaced = Өз сөзү менен жазылып, иргөөнү күткөн жооптор: { $count }
desk-ranking-heading = Шаар боюнча көйгөйлөрдүн рейтинги
# review
desk-ranking-note = Үлүш — бардык жооп бергендерден; 95% интервал бүтүндөй шаар боюнча үлүш кайсы чекте болушу ыктымал экенин көрсөтөт.
desk-col-position = Орду
desk-col-problem = Көйгөй
# review
desk-col-count = Атагандар
desk-col-share = Үлүшү
desk-col-interval = 95% интервал
desk-districts-heading = Райондор боюнча рейтинг
# review
desk-small-sample = Жооп бергендер { $min } кишиден аз: интервалдар кенен, жыйынтык чыгарууга эрте.
desk-grid-heading = Райондор жана көйгөйлөр
# review
desk-grid-note = Ар бир уячада: райондун канча тургуну көйгөйдү атаганы жана алардын райондо жооп бергендердин арасындагы үлүшү.
# review
desk-trend-heading = Күндөр боюнча өзгөрүү
# review
desk-trend-note = Сызыктар — көйгөйдү атагандардын үлүшү, топтолгон жыйынтык менен; боз мамычалар — күндүн жаңы жооптору.
# review
desk-trend-empty = Өзгөрүү биринчи жооптор менен көрүнөт.
desk-chart-title = { $city }: негизги көйгөйлөр, { $date }
desk-chart-title-district = { $district }: негизги көйгөйлөр, { $date }
# review
desk-trend-title = Негизги көйгөйлөрдүн күндөр боюнча үлүшү ({ $date } карата)
desk-no-district = Району көрсөтүлгөн эмес
# review
desk-channels-heading = Канча киши жооп берди
desk-col-channel = Канал
desk-col-today = Бүгүн
desk-col-week = Жумада
desk-col-all = Баары
desk-channel-tg = Telegram
desk-channel-wa = WhatsApp
desk-channel-local = Терминал
# review
desk-sources-heading = Кайдан келишти (шилтемелердин белгилери)
# review
desk-sources-empty = Азырынча белгиси бар шилтеме менен эч ким келген жок.
desk-col-source = Белги
desk-col-residents = Тургундар
# review
desk-review-heading = Өз сөзү менен жазылган жоопторду иргөө
# review
desk-review-intro = Эч бир категорияга туура келбеген сөз айкаштары жана алардын жооп саны. Аларды категорияларга жумушчу топтун чатында /review буйругу менен жайгаштырса болот.
# review
desk-review-empty = Бардык жооптор иргелди.
# review
desk-col-wording = Сөз айкашы
desk-col-times = Жооптор
desk-themes-heading = Темалар
desk-col-theme-size = Көлөмү
# review
desk-announcements-heading = Кулактандыруулар жана аларды жөнөтүү
# review
desk-announcements-empty = Азырынча кулактандыруу жок.
desk-col-title = Аталышы
# review
desk-col-when = Жөнөтүү убактысы
desk-col-state = Абалы
# review
desk-col-progress = Жеткирүү
# review
desk-state = { $state ->
        [scheduled] пландалган
        [sending] жөнөтүлүүдө
        [done] жөнөтүлдү
       *[cancelled] жокко чыгарылды
    }
# review
desk-kind = { $kind ->
        [reminder] эскертме
       *[announcement] кулактандыруу
    }
# review
desk-delivery = жөнөтүлдү { $sent }, ката { $failed }, өткөрүлдү { $skipped }, кезекте { $pending }
desk-public-title = { $city }: тургундар эмнени негизги көйгөй деп эсептешет
# review
desk-public-intro = Тургундар шаардын беш негизги көйгөйүнө чейин аташты. Үлүш — бардык жооп бергендерден; 95% интервал баалоонун тактыгын көрсөтөт.
# review
desk-public-few = Рейтинг кеминде { $min } тургун жооп бергенде көрүнөт.
# review
desk-public-footer = Сурамжылоону мэрия жумушчу топ менен бирге жүргүзөт. Тургундардын жооптору аты-жөнү жана номери жок; бул жерде жыйынтык сандар гана.
# review
desk-rounds-heading = Сурамжылоонун этаптары
# review
desk-rounds-note = Баракча белгиленген этапты көрсөтөт; салыштыруу үчүн башкасын басыңыз.
# review
desk-col-round = Этап
desk-col-dates = Күндөрү
desk-col-respondents = Жооп бергендер
desk-col-leading = Негизги көйгөйлөр
# review
desk-round-before = Этаптарга чейин
# review
desk-round-state = { $state ->
        [open] жүрүп жатат
        [closed] аяктады
       *[before] —
    }
# review
desk-no-round = Бул шаарда «{ $round }» деген сурамжылоо этабы жок.
# review
desk-no-round-back = Шаардын баракчасына (учурдагы этап)
# review
desk-public-round = Сурамжылоонун этабы: { $round }
# review
desk-public-before = Сурамжылоонун этаптары башталганга чейин берилген жооптор
# /results in the bot: the link to the city's public page (flows/results.py)
# review
results-public = Бардык жыйынтыктар — шаардын баракчасында: { $url }
