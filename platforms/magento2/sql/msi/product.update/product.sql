-- With MSI (Magento 2.3+'s Inventory modules): as sql/product.update/product.sql,
-- and the quantity and stock status also go to the default source's item,
-- which MSI links by SKU (Magento keeps cataloginventory_stock_item in step
-- with the default source); a product type that holds stock gets the item
-- when it has none yet, as saving it in the admin does.
-- The admin's product form saves price (decimal) and status (int; 1
-- enabled, 2 disabled) as store 0's EAV values of the attributes found by
-- code; a global attribute has no store-view values (stray ones removed).
INSERT INTO {prefix}catalog_product_entity_decimal (attribute_id, store_id, entity_id, value)
SELECT a.attribute_id, 0, :id, :price
FROM {prefix}eav_attribute a
JOIN {prefix}eav_entity_type et ON et.entity_type_id = a.entity_type_id
WHERE et.entity_type_code = 'catalog_product' AND a.attribute_code = 'price' AND a.backend_type = 'decimal'
  AND :price IS NOT NULL
ON DUPLICATE KEY UPDATE value = VALUES(value);
DELETE v FROM {prefix}catalog_product_entity_decimal v
JOIN {prefix}eav_attribute a ON a.attribute_id = v.attribute_id
JOIN {prefix}eav_entity_type et ON et.entity_type_id = a.entity_type_id
JOIN {prefix}catalog_eav_attribute ca ON ca.attribute_id = a.attribute_id
WHERE et.entity_type_code = 'catalog_product' AND a.attribute_code = 'price' AND ca.is_global = 1
  AND v.entity_id = :id AND v.store_id <> 0 AND :price IS NOT NULL;
INSERT INTO {prefix}catalog_product_entity_int (attribute_id, store_id, entity_id, value)
SELECT a.attribute_id, 0, :id, CASE WHEN :status = 1 THEN 1 ELSE 2 END
FROM {prefix}eav_attribute a
JOIN {prefix}eav_entity_type et ON et.entity_type_id = a.entity_type_id
WHERE et.entity_type_code = 'catalog_product' AND a.attribute_code = 'status' AND a.backend_type = 'int'
  AND :status IS NOT NULL
ON DUPLICATE KEY UPDATE value = VALUES(value);
DELETE v FROM {prefix}catalog_product_entity_int v
JOIN {prefix}eav_attribute a ON a.attribute_id = v.attribute_id
JOIN {prefix}eav_entity_type et ON et.entity_type_id = a.entity_type_id
JOIN {prefix}catalog_eav_attribute ca ON ca.attribute_id = a.attribute_id
WHERE et.entity_type_code = 'catalog_product' AND a.attribute_code = 'status' AND ca.is_global = 1
  AND v.entity_id = :id AND v.store_id <> 0 AND :status IS NOT NULL;
UPDATE {prefix}cataloginventory_stock_item
SET is_in_stock = CASE WHEN manage_stock = 0 AND use_config_manage_stock = 0 THEN is_in_stock
                       WHEN :quantity > min_qty THEN 1
                       WHEN backorders > 0 THEN is_in_stock
                       ELSE 0 END,
    qty = :quantity
WHERE product_id = :id AND stock_id = 1 AND :quantity IS NOT NULL;
UPDATE {prefix}cataloginventory_stock_status ss
JOIN {prefix}cataloginventory_stock_item si ON si.product_id = ss.product_id AND si.stock_id = ss.stock_id
SET ss.qty = si.qty, ss.stock_status = si.is_in_stock
WHERE ss.product_id = :id AND ss.stock_id = 1 AND :quantity IS NOT NULL;
UPDATE {prefix}catalog_product_entity
SET updated_at = :now
WHERE entity_id = :id;
INSERT INTO {prefix}inventory_source_item (source_code, sku, quantity, status)
SELECT 'default', p.sku, si.qty, si.is_in_stock
FROM {prefix}catalog_product_entity p
JOIN {prefix}cataloginventory_stock_item si ON si.product_id = p.entity_id AND si.stock_id = 1
WHERE p.entity_id = :id AND p.type_id IN ('simple', 'virtual', 'downloadable') AND :quantity IS NOT NULL
ON DUPLICATE KEY UPDATE quantity = VALUES(quantity), status = VALUES(status);
