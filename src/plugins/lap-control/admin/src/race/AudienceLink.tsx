import { LinkButton } from '@strapi/design-system';
import { ExternalLink } from '@strapi/icons';
import { backendURL } from './backend';

/** Opens the public screens (served by Strapi from public/race/, outside the admin's router). */
export function AudienceLink({ page = '', label = 'Audience screens' }: { page?: string; label?: string }) {
  return (
    <LinkButton href={`${backendURL()}/race/${page}`} target="_blank" rel="noopener" variant="tertiary" endIcon={<ExternalLink />}>
      {label}
    </LinkButton>
  );
}
