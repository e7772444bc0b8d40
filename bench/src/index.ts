export const PACKAGE = '@lunchrush/bench';
