-- Products in id order. Every attribute but the SKU is an EAV value, found
-- by its code in eav_attribute (entity type catalog_product), never by id,
-- in the table its backend_type names; a value stored for the store view
-- :lang_id wins over store 0's (the admin's, the default), except for a
-- global attribute (catalog_eav_attribute.is_global 1): store 0 only.
-- Quantity is the default stock's (cataloginventory_stock_item, stock 1),
-- which Magento keeps in step with MSI's default source. Status 1 is
-- enabled, 2 disabled. A configurable's simple children name it in
-- catalog_product_super_link: variant_of.
-- STRAIGHT_JOIN keeps the products table first: otherwise MariaDB starts
-- from the one-row attribute lookups and computes and sorts every product
-- before taking a page (50,000 products: 1.5 s instead of 0.1 s a page).
SELECT STRAIGHT_JOIN x.*
FROM (
  SELECT p.entity_id AS id,
         p.sku AS sku,
         NULL AS model,
         (SELECT v.value FROM {prefix}catalog_product_entity_varchar v
           WHERE v.entity_id = p.entity_id AND v.attribute_id = a_name.attribute_id
             AND v.store_id IN (0, :lang_id) ORDER BY v.store_id DESC LIMIT 1) AS name,
         (SELECT v.value FROM {prefix}catalog_product_entity_text v
           WHERE v.entity_id = p.entity_id AND v.attribute_id = a_description.attribute_id
             AND v.store_id IN (0, :lang_id) ORDER BY v.store_id DESC LIMIT 1) AS description,
         (SELECT v.value FROM {prefix}catalog_product_entity_decimal v
           WHERE v.entity_id = p.entity_id AND v.attribute_id = a_price.attribute_id
             AND v.store_id IN (0, CASE WHEN ca_price.is_global = 1 THEN 0 ELSE :lang_id END)
           ORDER BY v.store_id DESC LIMIT 1) AS price,
         CAST(FLOOR(si.qty) AS SIGNED) AS quantity,
         CASE WHEN (SELECT v.value FROM {prefix}catalog_product_entity_int v
                     WHERE v.entity_id = p.entity_id AND v.attribute_id = a_status.attribute_id
                       AND v.store_id IN (0, CASE WHEN ca_status.is_global = 1 THEN 0 ELSE :lang_id END)
                     ORDER BY v.store_id DESC LIMIT 1) = 1
              THEN 1 ELSE 0 END AS status,
         (SELECT v.value FROM {prefix}catalog_product_entity_int v
           WHERE v.entity_id = p.entity_id AND v.attribute_id = a_manufacturer.attribute_id
             AND v.store_id IN (0, :lang_id) ORDER BY v.store_id DESC LIMIT 1) AS manufacturer_id,
         (SELECT NULLIF(v.value, 'no_selection') FROM {prefix}catalog_product_entity_varchar v
           WHERE v.entity_id = p.entity_id AND v.attribute_id = a_image.attribute_id
             AND v.store_id IN (0, :lang_id) ORDER BY v.store_id DESC LIMIT 1) AS image,
         (SELECT v.value FROM {prefix}catalog_product_entity_decimal v
           WHERE v.entity_id = p.entity_id AND v.attribute_id = a_weight.attribute_id
             AND v.store_id IN (0, CASE WHEN ca_weight.is_global = 1 THEN 0 ELSE :lang_id END) ORDER BY v.store_id DESC LIMIT 1) AS weight,
         (SELECT MIN(sl.parent_id) FROM {prefix}catalog_product_super_link sl
           WHERE sl.product_id = p.entity_id) AS variant_of,
         (SELECT GROUP_CONCAT(cp.category_id ORDER BY cp.category_id) FROM {prefix}catalog_category_product cp
           WHERE cp.product_id = p.entity_id) AS categories_ids,
         (SELECT GROUP_CONCAT(s.store_id ORDER BY s.store_id) FROM {prefix}catalog_product_website pw
           JOIN {prefix}store s ON s.website_id = pw.website_id
           WHERE pw.product_id = p.entity_id) AS stores_ids,
         p.created_at AS created_at,
         p.updated_at AS modified_at
  FROM {prefix}catalog_product_entity p
  JOIN {prefix}eav_entity_type et ON et.entity_type_code = 'catalog_product'
  LEFT JOIN {prefix}eav_attribute a_name
         ON a_name.entity_type_id = et.entity_type_id AND a_name.attribute_code = 'name'
  LEFT JOIN {prefix}eav_attribute a_description
         ON a_description.entity_type_id = et.entity_type_id AND a_description.attribute_code = 'description'
  LEFT JOIN {prefix}eav_attribute a_price
         ON a_price.entity_type_id = et.entity_type_id AND a_price.attribute_code = 'price'
  LEFT JOIN {prefix}eav_attribute a_status
         ON a_status.entity_type_id = et.entity_type_id AND a_status.attribute_code = 'status'
  LEFT JOIN {prefix}eav_attribute a_manufacturer
         ON a_manufacturer.entity_type_id = et.entity_type_id AND a_manufacturer.attribute_code = 'manufacturer'
  LEFT JOIN {prefix}eav_attribute a_image
         ON a_image.entity_type_id = et.entity_type_id AND a_image.attribute_code = 'image'
  LEFT JOIN {prefix}eav_attribute a_weight
         ON a_weight.entity_type_id = et.entity_type_id AND a_weight.attribute_code = 'weight'
  LEFT JOIN {prefix}catalog_eav_attribute ca_price ON ca_price.attribute_id = a_price.attribute_id
  LEFT JOIN {prefix}catalog_eav_attribute ca_status ON ca_status.attribute_id = a_status.attribute_id
  LEFT JOIN {prefix}catalog_eav_attribute ca_weight ON ca_weight.attribute_id = a_weight.attribute_id
  LEFT JOIN {prefix}cataloginventory_stock_item si ON si.product_id = p.entity_id AND si.stock_id = 1
  WHERE p.entity_id > :after AND p.entity_id <= :until
    AND (:ids_count = 0 OR p.entity_id IN (:ids))
    AND (:sku IS NULL OR p.sku = :sku)
    AND (:created_from IS NULL OR p.created_at >= :created_from)
    AND (:created_to IS NULL OR p.created_at <= :created_to)
    AND (:modified_from IS NULL OR p.updated_at >= :modified_from)
    AND (:modified_to IS NULL OR p.updated_at <= :modified_to)
    AND (:store_id IS NULL OR :store_id = 0
         OR EXISTS (SELECT 1 FROM {prefix}catalog_product_website pw
                    JOIN {prefix}store s ON s.website_id = pw.website_id
                    WHERE pw.product_id = p.entity_id AND s.store_id = :store_id))
) x
WHERE (:status IS NULL OR x.status = :status)
  AND (:name IS NULL OR x.name LIKE :name ESCAPE '!' OR x.name LIKE :name_escaped ESCAPE '!')
ORDER BY x.id
LIMIT :limit OFFSET :offset
