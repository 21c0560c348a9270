-- Customers are WordPress users with the customer role on this site: the
-- usermeta `<site prefix>capabilities` (wp_capabilities, or wp_2_capabilities
-- for blog 2) names it. users and usermeta are shared by every site of a
-- multisite install ({base_prefix}). The address is WooCommerce's billing
-- address in usermeta (country and state as codes). user_registered is UTC.
SELECT u.ID AS id,
       u.user_email AS email,
       COALESCE(NULLIF(MAX(CASE WHEN m.meta_key = 'first_name' THEN m.meta_value END), ''),
                MAX(CASE WHEN m.meta_key = 'billing_first_name' THEN m.meta_value END)) AS first_name,
       COALESCE(NULLIF(MAX(CASE WHEN m.meta_key = 'last_name' THEN m.meta_value END), ''),
                MAX(CASE WHEN m.meta_key = 'billing_last_name' THEN m.meta_value END)) AS last_name,
       MAX(CASE WHEN m.meta_key = 'billing_phone' THEN m.meta_value END) AS telephone,
       1 AS status,
       NULL AS customer_group_id,
       0 AS store_id,
       0 AS newsletter,
       MAX(CASE WHEN m.meta_key = 'billing_first_name' THEN m.meta_value END) AS address__first_name,
       MAX(CASE WHEN m.meta_key = 'billing_last_name' THEN m.meta_value END) AS address__last_name,
       MAX(CASE WHEN m.meta_key = 'billing_company' THEN m.meta_value END) AS address__company,
       MAX(CASE WHEN m.meta_key = 'billing_address_1' THEN m.meta_value END) AS address__address_1,
       MAX(CASE WHEN m.meta_key = 'billing_address_2' THEN m.meta_value END) AS address__address_2,
       MAX(CASE WHEN m.meta_key = 'billing_city' THEN m.meta_value END) AS address__city,
       MAX(CASE WHEN m.meta_key = 'billing_postcode' THEN m.meta_value END) AS address__postcode,
       MAX(CASE WHEN m.meta_key = 'billing_country' THEN m.meta_value END) AS address__country,
       NULL AS address__country_id,
       MAX(CASE WHEN m.meta_key = 'billing_state' THEN m.meta_value END) AS address__zone,
       NULL AS address__zone_id,
       CONCAT(u.user_registered, 'Z') AS created_at
FROM {base_prefix}users u
JOIN {base_prefix}usermeta c
  ON c.user_id = u.ID AND c.meta_key = '{prefix}capabilities' AND c.meta_value LIKE '%"customer"%'
LEFT JOIN {base_prefix}usermeta m
  ON m.user_id = u.ID
 AND m.meta_key IN ('first_name', 'last_name', 'billing_first_name', 'billing_last_name', 'billing_company',
                    'billing_address_1', 'billing_address_2', 'billing_city', 'billing_postcode',
                    'billing_country', 'billing_state', 'billing_phone')
WHERE u.ID > :after AND u.ID <= :until
  AND (:ids_count = 0 OR u.ID IN (:ids))
  AND (:email IS NULL OR LOWER(u.user_email) = LOWER(:email))
  AND (:status IS NULL OR :status = 1)
  AND (:created_from IS NULL OR u.user_registered >= :created_from_utc)
  AND (:created_to IS NULL OR u.user_registered <= :created_to_utc)
  AND (:store_id IS NULL OR :store_id = 0)
GROUP BY u.ID, u.user_email, u.user_registered
ORDER BY u.ID
LIMIT :limit OFFSET :offset
