# The council's export (XLSX/CSV) and the ranking chart: bot/export.py, bot/chart.py.
# "этап" for a survey round (proposal); "95% интервал" as in the export's columns.

## Export
export-title = { $city }: көйгөйлөрдүн рейтинги
export-round = Сурамжылоонун этабы
export-generated = Файл түзүлгөн убакыт
export-respondents = Бардыгы жооп бергендер (N)
export-sheet-districts = Райондор
export-col-n = Жооп бергендер (N)
export-col-note = Эскертүү
export-few = Жооп бергендер { $min } адамдан аз: үлүштөр так эмес, 95% чектерин караңыз

## Chart
# A bare date before "карата" is the official style (see chart-caption).
chart-title-dated = { $city }: { $day } карата негизги көйгөйлөр
chart-title-district = { $city }, { $district }: { $day } карата негизги көйгөйлөр
chart-note-intervals = Жооп бергендер: { $respondents }. Кара сызыктар — үлүштүн 95% интервалы. Тургундар бешке чейин көйгөй аташат, ошондуктан пайыздардын суммасы 100%дан ашат.
chart-few = Болгону { $respondents } адам жооп берди — { $min } адамдан аз: үлүштөр так эмес
chart-few-districts = Жооп бергендер { $min } адамдан аз болгон райондор: { $list }
chart-empty = Азырынча жооптор жок
chart-empty-hint = Тургундар көйгөйлөрдү атаганда график пайда болот.
chart-empty-own-words = Азырынча өз сөзү менен жазылган жооптор гана бар: алар талдоону күтүп жатат (/review).
