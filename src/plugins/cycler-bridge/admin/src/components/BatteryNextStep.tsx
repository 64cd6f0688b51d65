import * as React from 'react';
import { Link as RouterLink, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useRBAC } from '@strapi/strapi/admin';
import { Checkbox, Flex, LinkButton, Typography } from '@strapi/design-system';
import { ArrowRight } from '@strapi/icons';
import { BATTERY_UID, EXPERIMENTS_CREATE, NEW_EXPERIMENT_PATH, THEN_NEW_EXPERIMENT, THEN_PARAM } from '../permissions';

/**
 * Content Manager edit view of a battery (injected into `editView.right-links`).
 *
 * On the create page it adds `?then=new-experiment` to the URL (a checkbox turns it off). The Content
 * Manager keeps the query string when it moves from `/create` to the saved document's URL, so on the
 * saved battery the parameter is still there and the user is sent on to the New-experiment page with
 * the battery chosen. Opening an existing battery (no parameter) only offers a link.
 */
export function BatteryNextStep() {
  const { slug, id } = useParams<{ slug: string; id: string }>();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const { allowedActions, isLoading } = useRBAC(EXPERIMENTS_CREATE);
  const allowed = !isLoading && (allowedActions as Record<string, boolean>).canCreate;
  const creating = id === 'create';
  const handOff = params.get(THEN_PARAM) === THEN_NEW_EXPERIMENT;
  const target = id && !creating ? `${NEW_EXPERIMENT_PATH}?battery=${encodeURIComponent(id)}` : null;
  const applies = slug === BATTERY_UID && allowed;

  const setHandOff = (on: boolean) => {
    const next = new URLSearchParams(params);
    if (on) next.set(THEN_PARAM, THEN_NEW_EXPERIMENT);
    else next.delete(THEN_PARAM);
    setParams(next, { replace: true });
  };

  // A new battery form starts with the hand-off on: the lab's usual next step is an experiment.
  const armed = React.useRef(false);
  React.useEffect(() => {
    if (applies && creating && !armed.current) {
      armed.current = true;
      if (!handOff) setHandOff(true);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [applies, creating]);

  React.useEffect(() => {
    if (applies && handOff && target) navigate(target, { replace: true });
  }, [applies, handOff, target, navigate]);

  if (!applies) return null;
  if (creating) {
    return (
      <Flex paddingTop={2}>
        <Checkbox checked={handOff} onCheckedChange={(checked: boolean | 'indeterminate') => setHandOff(checked === true)}>
          After saving, create an experiment with this battery
        </Checkbox>
      </Flex>
    );
  }
  if (!target) return null;
  return (
    <Flex direction="column" alignItems="stretch" gap={1} paddingTop={2}>
      <LinkButton tag={RouterLink} to={target} variant="secondary" endIcon={<ArrowRight />} fullWidth>
        New experiment with this battery
      </LinkButton>
      <Typography variant="pi" textColor="neutral600">Opens the New experiment page with this battery chosen.</Typography>
    </Flex>
  );
}
