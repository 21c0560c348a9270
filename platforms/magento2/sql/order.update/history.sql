-- The comment row the admin's "Comments History" adds with a status change.
INSERT INTO {prefix}sales_order_status_history
       (parent_id, is_customer_notified, is_visible_on_front, comment, status, created_at, entity_name)
VALUES (:id, :notify, 0, NULLIF(:comment, ''), :status, :now, 'order')
