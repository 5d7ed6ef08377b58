package io.k0rdent.api.verticles.http;

/** {@link ServersBreakHttpContract} on PostgreSQL. */
class PgServersBreakHttpTest extends ServersBreakHttpContract {

  @Override
  boolean onPostgres() {
    return true;
  }
}
