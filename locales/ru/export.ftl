# The council's export (XLSX/CSV) and the ranking chart: bot/export.py, bot/chart.py.

## Export
export-title = { $city }: рейтинг проблем
export-round = Этап опроса
export-generated = Файл сформирован
export-respondents = Ответили всего (N)
export-sheet-districts = Районы
export-col-n = Ответили (N)
export-col-note = Примечание
export-few = Меньше { $min } ответивших: доли неточны, смотрите на границы 95%

## Chart
chart-title-dated = { $city }: главные проблемы на { $day }
chart-title-district = { $city }, { $district }: главные проблемы на { $day }
chart-note-intervals = Ответили: { $respondents }. Чёрные линии — 95% интервал доли. Жители называют до пяти проблем, поэтому сумма больше 100%.
chart-few = Ответили только { $respondents } — меньше { $min }: доли неточны
chart-few-districts = Меньше { $min } ответивших в районах: { $list }
chart-empty = Ответов пока нет
chart-empty-hint = График появится, когда жители назовут проблемы.
chart-empty-own-words = Пока есть только ответы своими словами: они ждут разбора (/review).
