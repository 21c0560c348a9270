-- Customers in id order (customer_entity keeps its core fields in
-- columns). The address is the default billing address; Magento keeps the
-- telephone on addresses, so the customer's is that address's. Street
-- lines are newline-separated: the first is address_1, the rest
-- address_2. Magento has no country names in the database (they come from
-- the locale): `country` is the ISO code. Newsletter subscriptions live in
-- the Newsletter module's table, which this platform folder does not read.
SELECT c.entity_id AS id,
       c.email AS email,
       c.firstname AS first_name,
       c.lastname AS last_name,
       a.telephone AS telephone,
       c.is_active AS status,
       c.group_id AS customer_group_id,
       c.store_id AS store_id,
       NULL AS newsletter,
       a.firstname AS address__first_name,
       a.lastname AS address__last_name,
       a.company AS address__company,
       SUBSTRING_INDEX(a.street, CHAR(10), 1) AS address__address_1,
       NULLIF(SUBSTRING(a.street, CHAR_LENGTH(SUBSTRING_INDEX(a.street, CHAR(10), 1)) + 2), '') AS address__address_2,
       a.city AS address__city,
       a.postcode AS address__postcode,
       a.country_id AS address__country,
       NULL AS address__country_id,
       a.region AS address__zone,
       a.region_id AS address__zone_id,
       c.created_at AS created_at
FROM {prefix}customer_entity c
LEFT JOIN {prefix}customer_address_entity a
       ON a.entity_id = c.default_billing AND a.parent_id = c.entity_id
WHERE c.entity_id > :after AND c.entity_id <= :until
  AND (:ids_count = 0 OR c.entity_id IN (:ids))
  AND (:email IS NULL OR LOWER(c.email) = LOWER(:email))
  AND (:status IS NULL OR c.is_active = :status)
  AND (:created_from IS NULL OR c.created_at >= :created_from)
  AND (:created_to IS NULL OR c.created_at <= :created_to)
  AND (:store_id IS NULL OR c.store_id = :store_id)
ORDER BY c.entity_id
LIMIT :limit OFFSET :offset
