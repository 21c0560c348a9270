INSERT INTO {prefix}order_history (order_id, order_status_id, notify, comment, date_added)
VALUES (:id, :status, :notify, :comment, :now)
