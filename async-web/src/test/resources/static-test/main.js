export const greeting = "hello from the classpath";
