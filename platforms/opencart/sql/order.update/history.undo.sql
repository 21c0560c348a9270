DELETE FROM {prefix}order_history WHERE order_history_id = :inserted_id
