-- Every change that can end or narrow a credential (a key revoked, expired, rescoped or deleted; a
-- user disabled, demoted or deleted; a sign-in token ended) tells every API process on channel
-- credentials_changed, at commit. Each process keeps the credentials it verified for a few seconds
-- (src/modules/identity/credential-cache.ts) and forgets them all when told
-- (docs/decisions/0028-credential-cache-with-database-notifications.md).
CREATE OR REPLACE FUNCTION "notify_credentials_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('credentials_changed', TG_TABLE_NAME);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "api_keys_credentials_changed" AFTER UPDATE OR DELETE ON "api_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_credentials_changed"();
--> statement-breakpoint
CREATE TRIGGER "users_credentials_changed" AFTER UPDATE OR DELETE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_credentials_changed"();
--> statement-breakpoint
CREATE TRIGGER "revoked_tokens_credentials_changed" AFTER INSERT ON "revoked_tokens"
  FOR EACH STATEMENT EXECUTE FUNCTION "notify_credentials_changed"();
