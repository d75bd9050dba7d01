# Where residents came from: the source tags of the links on posters and in campaigns.
# review
summary-sources = Шилтемелер аркылуу келгендер: { $list }.
# review
export-sheet-sources = Булактар
# review
export-col-source = Булак (шилтеменин белгиси)
# review
export-col-residents = Жооп берген тургундар
