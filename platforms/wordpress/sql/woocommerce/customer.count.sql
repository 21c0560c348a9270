-- Users with the customer role on this site (see customer.list).
SELECT COUNT(*) AS count
FROM {base_prefix}users u
JOIN {base_prefix}usermeta c
  ON c.user_id = u.ID AND c.meta_key = '{prefix}capabilities' AND c.meta_value LIKE '%"customer"%'
WHERE (:status IS NULL OR :status = 1)
  AND (:created_from IS NULL OR u.user_registered >= :created_from_utc)
  AND (:created_to IS NULL OR u.user_registered <= :created_to_utc)
  AND (:store_id IS NULL OR :store_id = 0)
