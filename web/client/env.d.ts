/// <reference types="vite/client" />
// Vite's client types: `?url` imports and CSS side-effect imports in the console's modules.
