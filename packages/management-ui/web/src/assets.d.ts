/** Stylesheets imported for their side effect; vite bundles them into the page's CSS file. */
declare module "*.css";
