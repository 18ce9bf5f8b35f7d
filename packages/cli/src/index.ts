export { type NetworkDescription, type NetworkNode, setupLocal } from "./commands/setupLocal.js";
export { buildProgram, main } from "./main.js";
