-- The order note WooCommerce adds on a status change: a comment on the
-- order of type order_note by "WooCommerce", approved, reading
-- "<comment> Order status changed from <old> to <new>." with the statuses'
-- labels; with notify, a note to the customer (commentmeta
-- is_customer_note = 1). No status change and no comment: no note.
INSERT INTO {prefix}comments
       (comment_post_ID, comment_author, comment_author_email, comment_author_url, comment_author_IP,
        comment_date, comment_date_gmt, comment_content, comment_karma, comment_approved,
        comment_agent, comment_type, comment_parent, user_id)
SELECT :id, 'WooCommerce',
       CONCAT('woocommerce@', COALESCE(
         (SELECT NULLIF(REPLACE(SUBSTRING_INDEX(SUBSTRING_INDEX(SUBSTRING_INDEX(o.option_value, '://', -1), '/', 1), ':', 1), 'www.', ''), '')
            FROM {prefix}options o WHERE o.option_name = 'siteurl'), 'noreply.com')),
       '', '', :now, UTC_TIMESTAMP(),
       TRIM(CONCAT(:comment, ' ', CASE WHEN n.new_status <> :old_status_id THEN CONCAT(
         'Order status changed from ', CASE :old_status_id
           WHEN 'wc-pending' THEN 'Pending payment' WHEN 'wc-processing' THEN 'Processing'
           WHEN 'wc-on-hold' THEN 'On hold' WHEN 'wc-completed' THEN 'Completed'
           WHEN 'wc-cancelled' THEN 'Cancelled' WHEN 'wc-refunded' THEN 'Refunded'
           WHEN 'wc-failed' THEN 'Failed' WHEN 'wc-checkout-draft' THEN 'Draft'
           ELSE :old_status_id END,
         ' to ', CASE n.new_status
           WHEN 'wc-pending' THEN 'Pending payment' WHEN 'wc-processing' THEN 'Processing'
           WHEN 'wc-on-hold' THEN 'On hold' WHEN 'wc-completed' THEN 'Completed'
           WHEN 'wc-cancelled' THEN 'Cancelled' WHEN 'wc-refunded' THEN 'Refunded'
           WHEN 'wc-failed' THEN 'Failed' WHEN 'wc-checkout-draft' THEN 'Draft'
           ELSE n.new_status END, '.') ELSE '' END)),
       0, '1', 'WooCommerce', 'order_note', 0, 0
FROM (SELECT CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END AS new_status) n
WHERE n.new_status <> :old_status_id OR :comment <> '';

INSERT INTO {prefix}commentmeta (comment_id, meta_key, meta_value)
SELECT LAST_INSERT_ID(), 'is_customer_note', '1'
FROM (SELECT CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END AS new_status) n
WHERE :notify = 1 AND (n.new_status <> :old_status_id OR :comment <> '');
