/**
 * A saved column mapping is checked when it is written (admin or REST), with the same parser as the
 * import's query options, so a mapping that would fail every import is refused at once, naming the field.
 */
import { errors } from '@strapi/utils';
import { LayoutError, savedMappingQuery, parseBatteryImportOptions } from '../../services/battery-import';

const FIELD_OF_OPTION: Record<string, string> = { currentSign: 'current_sign', dateFormat: 'date_format' };

function check(data: Record<string, unknown> | undefined) {
  if (!data) return;
  try {
    parseBatteryImportOptions(savedMappingQuery(data));
  } catch (error) {
    if (!(error instanceof LayoutError)) throw error;
    const path = FIELD_OF_OPTION[error.option] ?? error.option;
    throw new errors.ValidationError(error.message, { errors: [{ path: [path], message: error.message, name: 'ValidationError' }] });
  }
}

export default {
  beforeCreate(event: { params: { data?: Record<string, unknown> } }) {
    check(event.params.data);
  },
  beforeUpdate(event: { params: { data?: Record<string, unknown> } }) {
    check(event.params.data);
  },
};
