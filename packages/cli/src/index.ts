export { buildProgram, main } from "./main.js";
export { type NetworkDescription, type NetworkNode, setupLocal } from "./commands/setupLocal.js";
