import fields from './fields';
import csvExport from './csv-export';
import csvImport from './csv-import';
import importJobs from './import-jobs';
import labImportJobs from './lab-import-jobs';
import jobBoard from './job-board';
import bulkCreate from './bulk-create';

export default { fields, csvExport, csvImport, importJobs, labImportJobs, jobBoard, bulkCreate };
