-- An order kept as posts: its status is the post's status. As WooCommerce
-- does on a status change: the paid date is set when the order first
-- becomes processing or completed, the completed date when it completes;
-- the analytics copy (wc_order_stats) follows.
UPDATE {prefix}posts
SET post_status = CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END,
    post_modified = :now,
    post_modified_gmt = UTC_TIMESTAMP()
WHERE ID = :id;

INSERT INTO {prefix}postmeta (post_id, meta_key, meta_value)
SELECT :id, k.meta_key, CASE WHEN k.meta_key LIKE '!_date!_%' ESCAPE '!' THEN UNIX_TIMESTAMP() ELSE :now END
FROM (SELECT '_date_paid' AS meta_key, 'paid' AS kind UNION ALL SELECT '_paid_date', 'paid'
      UNION ALL SELECT '_date_completed', 'completed' UNION ALL SELECT '_completed_date', 'completed') k
WHERE (k.kind = 'paid' AND REPLACE(:status, 'wc-', '') IN ('processing', 'completed')
       OR k.kind = 'completed' AND REPLACE(:status, 'wc-', '') = 'completed')
  AND NOT EXISTS (SELECT 1 FROM {prefix}postmeta x
                   WHERE x.post_id = :id AND x.meta_key = k.meta_key AND x.meta_value <> '');

UPDATE {prefix}wc_order_stats
SET status = CASE WHEN :status LIKE 'wc-%' THEN :status ELSE CONCAT('wc-', :status) END
WHERE order_id = :id;
