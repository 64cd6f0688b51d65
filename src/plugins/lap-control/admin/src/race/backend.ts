/** Origin of the Strapi server the admin talks to (the admin may be served from another origin). */
export const backendURL = (): string => (window as unknown as { strapi?: { backendURL?: string } }).strapi?.backendURL || window.location.origin;
