package io.k0rdent.api.verticles.http;

/** {@link ServersBreakHttpContract} on the in-memory store (as {@code dev} runs). */
class InMemoryServersBreakHttpTest extends ServersBreakHttpContract {}
