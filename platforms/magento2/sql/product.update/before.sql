-- The values product.update may change, as store 0 holds them.
SELECT p.entity_id AS id,
       (SELECT v.value FROM {prefix}catalog_product_entity_decimal v
         WHERE v.entity_id = p.entity_id AND v.attribute_id = a_price.attribute_id AND v.store_id = 0) AS price,
       (SELECT v.value FROM {prefix}catalog_product_entity_int v
         WHERE v.entity_id = p.entity_id AND v.attribute_id = a_status.attribute_id AND v.store_id = 0) AS status,
       si.qty AS qty,
       p.updated_at AS updated_at
FROM {prefix}catalog_product_entity p
JOIN {prefix}eav_entity_type et ON et.entity_type_code = 'catalog_product'
LEFT JOIN {prefix}eav_attribute a_price
       ON a_price.entity_type_id = et.entity_type_id AND a_price.attribute_code = 'price'
LEFT JOIN {prefix}eav_attribute a_status
       ON a_status.entity_type_id = et.entity_type_id AND a_status.attribute_code = 'status'
LEFT JOIN {prefix}cataloginventory_stock_item si ON si.product_id = p.entity_id AND si.stock_id = 1
WHERE p.entity_id = :id
