package io.k0rdent.api.verticles.http;

/** {@link ServersHttpContract} on PostgreSQL. */
class PgServersHttpTest extends ServersHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}
