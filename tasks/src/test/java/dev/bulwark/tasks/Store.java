package dev.bulwark.tasks;

/** The backends shared tests run against. */
enum Store {
  IN_PROCESS, REDIS
}
