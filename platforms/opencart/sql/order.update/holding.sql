-- The statuses that hold stock: processing and complete (JSON arrays of ids).
SELECT s.value
FROM {prefix}setting s
WHERE s.store_id = 0 AND s.code = 'config'
  AND s.`key` IN ('config_processing_status', 'config_complete_status')
