import fields from './fields';
import csvExport from './csv-export';
import csvImport from './csv-import';
import importJobs from './import-jobs';
import bulkCreate from './bulk-create';

export default { fields, csvExport, csvImport, importJobs, bulkCreate };
