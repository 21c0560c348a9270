SELECT l.language_id FROM {prefix}language l WHERE l.language_id = :id
