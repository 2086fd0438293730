-- name: InsertTenant :one
INSERT INTO tenants (code, name) VALUES (@code, @name)
RETURNING *;

-- name: GetTenant :one
SELECT * FROM tenants WHERE id = @id;

-- name: GetTenantByCode :one
SELECT * FROM tenants WHERE code = @code;

-- name: TenantsByIDs :many
SELECT * FROM tenants WHERE id = ANY(@ids::uuid[]);
