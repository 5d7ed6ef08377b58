package io.k0rdent.api.verticles.http;

/** {@link TenantIsolationHttpTest} on PostgreSQL: the same refusals from the production store. */
class PgTenantIsolationHttpTest extends TenantIsolationHttpTest {

  @Override
  boolean onPostgres() {
    return true;
  }
}
