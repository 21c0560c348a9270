-- OpenCart 4.1: country and zone names moved to *_description, per language.
SELECT c.customer_id AS id,
       c.email AS email,
       c.firstname AS first_name,
       c.lastname AS last_name,
       c.telephone AS telephone,
       c.status AS status,
       c.customer_group_id AS customer_group_id,
       c.store_id AS store_id,
       c.newsletter AS newsletter,
       a.firstname AS address__first_name,
       a.lastname AS address__last_name,
       a.company AS address__company,
       a.address_1 AS address__address_1,
       a.address_2 AS address__address_2,
       a.city AS address__city,
       a.postcode AS address__postcode,
       co.name AS address__country,
       a.country_id AS address__country_id,
       z.name AS address__zone,
       a.zone_id AS address__zone_id,
       c.date_added AS created_at
FROM {prefix}customer c
LEFT JOIN {prefix}address a ON a.address_id = (SELECT MIN(d.address_id) FROM {prefix}address d
                                WHERE d.customer_id = c.customer_id AND d.`default` = 1)
LEFT JOIN {prefix}country_description co
       ON co.country_id = a.country_id AND co.language_id = :lang_id
LEFT JOIN {prefix}zone_description z
       ON z.zone_id = a.zone_id AND z.language_id = :lang_id
WHERE c.customer_id > :after AND c.customer_id <= :until
  AND (:ids_count = 0 OR c.customer_id IN (:ids))
  AND (:email IS NULL OR LOWER(c.email) = LOWER(:email))
  AND (:status IS NULL OR c.status = :status)
  AND (:created_from IS NULL OR c.date_added >= :created_from)
  AND (:created_to IS NULL OR c.date_added <= :created_to)
  AND (:store_id IS NULL OR c.store_id = :store_id)
ORDER BY c.customer_id
LIMIT :limit OFFSET :offset
