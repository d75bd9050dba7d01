# Where residents came from: the source tags of the links on posters and in campaigns.
summary-sources = Пришли по ссылкам: { $list }.
export-sheet-sources = Источники
export-col-source = Источник (метка ссылки)
export-col-residents = Жителей с ответами
