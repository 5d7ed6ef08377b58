package io.k0rdent.api.verticles.http;

/** {@link ServersHttpContract} on the in-memory store (as {@code dev} runs). */
class InMemoryServersHttpTest extends ServersHttpContract {}
