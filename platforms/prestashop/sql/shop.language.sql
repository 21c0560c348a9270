SELECT l.id_lang FROM {prefix}lang l WHERE l.id_lang = :id
